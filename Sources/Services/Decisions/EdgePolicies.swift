public import EdgeRules

/// The rules a node's decisions apply, from its configuration file.
///
/// - `gate`: reservation grace periods and plate-matching thresholds.
/// - `deviceTokens`: bearer tokens of the device software allowed to call the
///   decision endpoints (the gate controller); empty means none is.
public struct EdgePolicies: Sendable {
    public var gate: GateDecider.Configuration
    public var deviceTokens: Set<String>

    public init(gate: GateDecider.Configuration = .init(), deviceTokens: Set<String> = []) {
        self.gate = gate
        self.deviceTokens = deviceTokens
    }
}
