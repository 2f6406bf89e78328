// PostgreSQL adapters.
