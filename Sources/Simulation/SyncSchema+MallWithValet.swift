import MallDomain
public import SyncCore

extension Channel.Kind {
    /// The newer schema's channel kind no device of the current build replicates.
    public static let valet = Channel.Kind("valet")
}

extension SyncSchema {
    /// The mall's schema one version on, for mixed-version tests (SPEC
    /// §16.1): valet parking. A `valet` channel kind, a `valet_tickets` table
    /// on the gates' own parking channel, and a `bay` column on reservations.
    public static let mallWithValet: SyncSchema = {
        var tables = Array(SyncSchema.mall.tables.values)
        for index in tables.indices where tables[index].name == "reservations" {
            tables[index].columns["bay"] = .text
        }
        tables.append(
            Table(
                name: "valet_tickets", kind: .mutable, columns: ["plate": .text, "status": .text],
                channelKinds: [.parking]))
        tables.append(
            Table(name: "valet_keys", kind: .mutable, columns: ["hook": .int(1...500)], channelKinds: [.valet]))
        var subscriptions = SyncSchema.mall.subscriptions
        subscriptions[Role("valet")] = [.valet, .parking]
        return SyncSchema(
            tables: tables, channelKinds: SyncSchema.mall.channelKinds + [.valet], subscriptions: subscriptions,
            rights: SyncSchema.mall.rights, singleUseRules: SyncSchema.mall.singleUseRules)
    }()
}
