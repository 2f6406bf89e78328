import Testing
import X402URLSession
