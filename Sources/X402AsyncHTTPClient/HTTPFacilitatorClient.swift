import X402Core
