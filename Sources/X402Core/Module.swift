// X402Core: see README module map.
