// Hummingbird adapters.
