/// Who is calling a facilitator, as the transport authenticated it (an API key bound to receivers).
///
/// The HTTP service sets ``current`` for the duration of a `/settle` call; schemes read it before they
/// sign on a receiver's behalf (batch-settlement: a ClaimBatch or Refund by the facilitator's
/// receiver-authorizer key is made only for a caller that owns the channel's receiver). `nil` means
/// unauthenticated. In-process callers (``LocalFacilitatorClient``) set it with
/// `FacilitatorCaller.$current.withValue(...)`.
public struct FacilitatorCaller: Sendable, Hashable {
    /// A name for the credential (never the secret itself), for logs and metrics.
    public var id: String
    /// Receiver addresses the caller may act for.
    public var receivers: Set<Address>

    /// A caller named `id` owning `receivers`.
    public init(id: String, receivers: Set<Address>) {
        self.id = id
        self.receivers = receivers
    }

    /// Whether the caller owns `receiver`.
    public func owns(_ receiver: Address) -> Bool { receivers.contains(receiver) }

    /// The authenticated caller of the current task, if any.
    @TaskLocal public static var current: FacilitatorCaller?
}
