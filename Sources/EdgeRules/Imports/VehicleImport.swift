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

    /// `registered`: normalised plate to the member it is registered to.
    public static func plan(
        _ rows: [[String: String]], members: MemberDirectory, registered: [String: String]
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
            let owner = vehicles["v-" + plate.text]?.memberID ?? registered[plate.text]
            if let owner, owner != member {
                errors.append(
                    .init(row: number, field: "plate", problem: "\(plate.text) is registered to member \(owner)"))
                continue
            }
            let key = "v-" + plate.text
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
