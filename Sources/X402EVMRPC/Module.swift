// X402EVMRPC: see README module map.
