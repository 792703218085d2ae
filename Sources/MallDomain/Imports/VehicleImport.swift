/// Turns imported vehicle records (a member's registered plates) into
/// `vehicles` rows keyed by the normalised plate, so one car is one row
/// however often it is imported. A plate already registered to another
/// member is refused, not moved: a car changing hands is a decision for a
/// person, and the gate admits by it.
public enum VehicleImport {
    public struct Vehicle: Hashable, Sendable {
        /// `v-` and the normalised plate.
        public var key: String
        public var memberID: String
        public var plate: String
        public var isNew: Bool
        /// The import rows (1-based) that named this vehicle.
        public var rows: [Int]
    }

    public static let fields = MemberDirectory.fields.union(["plate"])

    /// A vehicle as the hub already holds it.
    public struct Registered: Hashable, Sendable {
        public var key: String
        public var memberID: String

        public init(key: String, memberID: String) {
            self.key = key
            self.memberID = memberID
        }
    }

    /// `registered`: normalised plate to the vehicle row that holds it.
    public static func plan(
        _ rows: [[String: String]], members: MemberDirectory, registered: [String: Registered]
    ) -> Result<[Vehicle], ImportRefusal> {
        var errors: [ImportRowError] = []
        var vehicles: [String: Vehicle] = [:]
        var order: [String] = []
        for (index, row) in rows.enumerated() {
            let number = index + 1
            if let unknown = unknownField(in: row, allowed: fields, number: number) { errors.append(unknown) }
            let member: String
            let plate: Plate
            switch members.memberAndPlate(of: row, number: number) {
            case .failure(let error):
                errors.append(error)
                continue
            case .success(let found): (member, plate) = found
            }
            let key = "v-" + plate.text
            if let held = registered[plate.text], held.key != key {
                errors.append(
                    .init(
                        row: number, field: "plate",
                        problem: "\(plate.text) is held by vehicle \(held.key); change it there"))
                continue
            }
            let owner = vehicles[key]?.memberID ?? registered[plate.text]?.memberID
            if let owner, owner != member {
                errors.append(
                    .init(row: number, field: "plate", problem: "\(plate.text) is registered to member \(owner)"))
                continue
            }
            if vehicles[key] == nil {
                order.append(key)
                vehicles[key] = Vehicle(
                    key: key, memberID: member, plate: plate.text, isNew: registered[plate.text] == nil, rows: [])
            }
            vehicles[key]!.rows.append(number)
        }
        return errors.isEmpty ? .success(order.map { vehicles[$0]! }) : .failure(ImportRefusal(rows: errors))
    }
}
