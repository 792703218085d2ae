public import SyncCore

/// A lending library's channels and devices, made up to run the sync
/// engines on a schema that shares no table, role or channel with the
/// mall's: the catalogue (titles and their copies) and the loans.
extension Channel.Kind {
    static let catalog = Channel.Kind("catalog")
    static let loans = Channel.Kind("loans")
}

extension Role {
    /// The lending desk: lends copies, takes them back, clears old loans.
    static let desk = Role("desk")
    /// A self-service kiosk: places holds on titles.
    static let kiosk = Role("kiosk")
}

extension SyncSchema {
    private static let day: UInt64 = 86_400_000

    /// The library's schema. A copy may be lent once (`library.double-lend`):
    /// two desks lending it while cut off make a conflict the hub records
    /// on the loans channel. Holds go after a week, lendings after a month;
    /// the hub retires a loan a month after it was due.
    public static let library = SyncSchema(
        tables: [
            Table(
                name: "titles", kind: .mutable, columns: ["title": .text, "author": .text, "shelf": .text],
                channelKinds: [.catalog]),
            Table(
                name: "copies", kind: .mutable,
                columns: ["title_id": .text, "barcode": .text, "condition": .int(0...5)],
                channelKinds: [.catalog]),
            Table(
                name: "holds", kind: .events,
                columns: ["title_id": .text, "patron": .text, "kiosk": .text, "at": .time],
                channelKinds: [.catalog], retainMillis: 7 * day),
            Table(
                name: "lendings", kind: .events,
                columns: ["copy_id": .text, "desk": .text, "patron": .text, "at": .time],
                channelKinds: [.loans], retainMillis: 30 * day),
            Table(
                name: "loans", kind: .mutable,
                columns: ["copy_id": .text, "patron": .text, "state": .text, "due": .time, "returned_at": .time],
                channelKinds: [.loans], retirement: ("due", 30 * day)),
            ConflictLedger.table(on: [.loans], retireAfterMillis: 90 * day),
        ],
        channelKinds: [.catalog, .loans],
        subscriptions: [.desk: [.catalog, .loans], .kiosk: [.catalog]],
        rights: Rights([
            .desk: [
                "lendings": Rights.Table(insert: true, originColumns: ["desk"]),
                "loans": Rights.Table(
                    insert: true,
                    updates: [
                        "state": .transitions(["out": ["returned"], "returned": ["returned"]]), "returned_at": .any,
                    ],
                    delete: true),
            ],
            .kiosk: ["holds": Rights.Table(insert: true, originColumns: ["kiosk"])],
        ]),
        singleUseRules: [SingleUseRule(kind: "library.double-lend", table: "lendings", itemColumn: "copy_id")])
}
