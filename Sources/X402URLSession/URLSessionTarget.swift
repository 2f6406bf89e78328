import X402Core

/// The buyer's HTTP wrapper over URLSession (FoundationNetworking on Linux).
public enum X402URLSession {}
