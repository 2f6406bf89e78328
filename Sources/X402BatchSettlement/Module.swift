// X402BatchSettlement: see README module map.
