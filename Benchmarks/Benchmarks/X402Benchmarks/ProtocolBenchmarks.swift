import Benchmark
import X402EVM

/// Lead: add the voucher-digest (EIP-712 hashStruct + domain), voucher verify (digest + recover) and
/// PAYMENT-SIGNATURE / PAYMENT-RESPONSE header encode/decode benchmarks here, once those types land.
/// Add `import X402Core` / `import X402BatchSettlement` and the products to Benchmarks/Package.swift.
func protocolBenchmarks() {}
