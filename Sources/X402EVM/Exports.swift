// X402EVM is the EVM layer users import; its pure-Swift primitives come with it.
@_exported import X402Primitives
