import Hummingbird
import NIOCore

/// Hummingbird request context that also carries the peer's IP address (the rate-limit key of requests
/// without an API key).
struct FacilitatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The remote IP address, nil for non-IP channels.
    let remoteIP: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress
    }
}
