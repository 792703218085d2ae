public import MallDomain

/// The rules a node's decisions apply, from its configuration file.
///
/// - `gate`: reservation grace periods and plate-matching thresholds.
/// - `gifts`: the clock leeway for gift codes.
/// - `lounge`: capacity and maximum stay.
/// - `deviceTokens`: bearer tokens of the device software allowed to call the
///   decision endpoints (the gate controller); empty means none is.
public struct EdgePolicies: Sendable {
    public var gate: GateDecider.Configuration
    public var gifts: GiftVerifier.Configuration
    public var lounge: LoungeDesk.Configuration
    public var deviceTokens: Set<String>

    public init(
        gate: GateDecider.Configuration = .init(), gifts: GiftVerifier.Configuration = .init(),
        lounge: LoungeDesk.Configuration = .init(), deviceTokens: Set<String> = []
    ) {
        self.gate = gate
        self.gifts = gifts
        self.lounge = lounge
        self.deviceTokens = deviceTokens
    }
}
