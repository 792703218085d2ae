public import SyncCore

/// The mall's channel kinds: one per kind of data a device may or may not
/// hold (a gate never holds phone numbers).
extension Channel.Kind {
    public static let parking = Channel.Kind("parking")
    public static let members = Channel.Kind("members")
    public static let gifts = Channel.Kind("gifts")
    public static let lounge = Channel.Kind("lounge")
    public static let audit = Channel.Kind("audit")
    public static let staff = Channel.Kind("staff")
}

/// The mall's devices: the parking gate controller, the lounge desk PC and
/// the gift counter PC.
extension Role {
    public static let gate = Role("gate")
    public static let lounge = Role("lounge")
    public static let gift = Role("gift")
}
