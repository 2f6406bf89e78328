// The batch-settlement facilitator scheme (protocol.md B.17-B.19).
