"""x402 devnet: a JSON-RPC Ethereum devnet over py-evm (Prague) for the x402 batch-settlement tests."""
