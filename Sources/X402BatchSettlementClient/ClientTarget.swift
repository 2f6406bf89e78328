import X402BatchSettlement

/// The buyer side of batch-settlement (protocol.md B.15): deposits, cumulative vouchers, channel state, refunds.
public enum BatchSettlementClient {}
