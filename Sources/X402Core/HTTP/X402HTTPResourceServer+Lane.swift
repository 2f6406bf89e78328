import X402JSON

/// One route's built requirements, with what the schemes' lanes need to take a payment for them.
struct RouteRequirements: Sendable {
    /// A requirement a lane can take a payment for.
    struct Lane: Sendable {
        /// The requirement as this server writes it (the `accepted` a client echoes).
        let compact: [UInt8]
        /// The requirement the pipeline would match an echo of it to (the first that matches, maybe an earlier one).
        let matched: Int
        /// The scheme's lane for that requirement.
        let lane: any SchemePaymentLane
        /// What the lane read from that requirement.
        let prepared: any Sendable
    }

    /// The requirements, in the route's order.
    let requirements: [PaymentRequirements]
    /// By index of ``requirements``: its lane, when its scheme has one and the server has no server-level hooks.
    let lanes: [Lane?]

    init(_ requirements: [PaymentRequirements], server: X402ResourceServer) {
        self.requirements = requirements
        let laneAllowed = !server.hasServerHooks
        lanes = requirements.map { requirement in
            guard laneAllowed, let matched = requirements.firstIndex(where: { $0.isMatched(by: requirement) }),
                  let lane = server.scheme(requirements[matched].scheme, network: requirements[matched].network) as? any SchemePaymentLane,
                  let prepared = lane.lanePrepare(requirements[matched]),
                  let compact = try? X402JSON.encode(requirement) else { return nil }
            return Lane(compact: compact, matched: matched, lane: lane, prepared: prepared)
        }
    }
}

/// A payment a lane decided.
enum LaneDecision: Sendable {
    case verified(VerifiedPayment)
    case refused(ErrorReason, attempt: PaymentAttempt)
}

extension X402HTTPResourceServer {
    /// The lane's decision on `header`, or nil when no lane takes it (the hook pipeline then decides, from scratch).
    nonisolated(nonsending) func laneDecision(_ header: String, _ route: RouteRequirements) async -> LaneDecision? {
        guard route.lanes.contains(where: { $0 != nil }),
              let json = Self.laneJSON(header),
              let (index, payload) = json.withUnsafeBytes({ Self.laneEnvelope($0, route.lanes) }),
              let lane = route.lanes[index] else { return nil }
        let requirements = route.requirements[lane.matched]
        let attempt = PaymentAttempt()
        switch await lane.lane.laneVerify(payload: json[payload], requirements: requirements, prepared: lane.prepared, attempt: attempt) {
        case nil: return nil
        case .refused(let reason, _)?: return .refused(reason, attempt: attempt)
        case .verified(let ticket)?:
            return .verified(VerifiedPayment(.lane(header: header, ticket: ticket, lane: lane.lane), requirements: requirements,
                                             attempt: attempt))
        }
    }

    /// The header's JSON bytes when the lane may read them: the pipeline's trimming, size cap and strict base64, then
    /// plain ASCII without escapes (``JSONRawReader/isPlainASCII(_:)``: no UTF-8 to validate).
    static func laneJSON(_ header: String) -> [UInt8]? {
        guard let bytes = try? HeaderCodec.decodedBytes(header), bytes.withUnsafeBytes({ JSONRawReader.isPlainASCII($0) }) else {
            return nil
        }
        return bytes
    }

    /// Reads a `PaymentPayload` the lane can take: `x402Version` 2 (or absent), `accepted` equal to one of the lanes'
    /// requirements, an optional `resource` of strings, and a `payload` object (its range; the scheme reads it).
    /// Any other key, a repeated key or another shape is nil.
    static func laneEnvelope(_ json: UnsafeRawBufferPointer, _ lanes: [RouteRequirements.Lane?]) -> (Int, Range<Int>)? {
        var reader = JSONRawReader(json)
        var seen: (version: Bool, accepted: Int?, resource: Bool, payload: Range<Int>?) = (false, nil, false, nil)
        let read = JSONRawReader.readObject(&reader) { reader, key in
            if reader.equals(key, "x402Version") {
                guard !seen.version, reader.readUInt64() == 2 else { return false }
                seen.version = true
            } else if reader.equals(key, "accepted") {
                guard seen.accepted == nil else { return false }
                // As this server wrote it (most clients), else give or take whitespace.
                if let index = lanes.firstIndex(where: { $0.map { reader.consumeExactly($0.compact) } ?? false }) {
                    seen.accepted = index
                } else {
                    guard let value = reader.skipValue() else { return false }
                    let raw = UnsafeRawBufferPointer(rebasing: json[value])
                    guard let index = lanes.firstIndex(where: { $0.map { JSONRawReader.compactEquals(raw, $0.compact) } ?? false })
                    else { return false }
                    seen.accepted = index
                }
            } else if reader.equals(key, "resource") {
                guard !seen.resource, readResource(&reader) else { return false }
                seen.resource = true
            } else if reader.equals(key, "payload") {
                guard seen.payload == nil, let value = reader.skipValue(), json[value.lowerBound] == 0x7B else { return false }
                seen.payload = value
            } else {
                return false
            }
            return true
        }
        guard read, reader.atEnd(), let accepted = seen.accepted, let payload = seen.payload else { return nil }
        return (accepted, payload)
    }

    /// A `resource` object whose members are strings, at most one of each of `ResourceInfo`'s string keys, `url`
    /// among them.
    static func readResource(_ reader: inout JSONRawReader) -> Bool {
        var seen = 0
        let read = JSONRawReader.readObject(&reader) { reader, key in
            let bit: Int
            if reader.equals(key, "url") { bit = 1 } else if reader.equals(key, "description") { bit = 2 }
            else if reader.equals(key, "mimeType") { bit = 4 } else if reader.equals(key, "serviceName") { bit = 8 }
            else if reader.equals(key, "iconUrl") { bit = 16 } else { return false }
            guard seen & bit == 0, reader.readString() != nil else { return false }
            seen |= bit
            return true
        }
        return read && seen & 1 != 0
    }
}
