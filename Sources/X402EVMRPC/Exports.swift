// Params, raw results and error data are `JSONValue`s; users of the RPC client get the JSON stack.
@_exported import X402JSON
