// Batch-settlement is built on the EVM mechanisms (ERC-3009 authorizations, the token domain, default assets):
// users of X402BatchSettlement get them too.
@_exported import X402EVMMechanisms
