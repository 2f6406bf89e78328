// The wire types are built on the JSON stack and the integer primitives; users of X402Core get both.
@_exported import X402JSON
@_exported import X402Primitives
