/// A set of plates that finds every plate one edit from a read without
/// scanning: each plate is filed under itself and under each string left by
/// deleting one of its characters (a symmetric-deletion index). Two strings
/// are one substitution apart only if they share a deletion; one insertion
/// apart only if one is a deletion of the other. So a query looks up the
/// read and its deletions, about nine dictionary probes for any book size,
/// and checks the few candidates exactly.
public struct PlateIndex: PlateSet, Sendable {
    /// Most deletion strings belong to one plate; only collisions pay for an array.
    private enum Bucket: Sendable {
        case one(String)
        case many([String])

        var plates: [String] {
            switch self {
            case .one(let plate): [plate]
            case .many(let plates): plates
            }
        }
    }

    private var members: Set<String> = []
    private var byDeletion: [String: Bucket] = [:]

    public init() {}

    public init(_ plates: some Sequence<String>) {
        for plate in plates { insert(plate) }
    }

    public var count: Int { members.count }

    public func contains(_ plate: String) -> Bool { members.contains(plate) }

    public mutating func insert(_ plate: String) {
        guard members.insert(plate).inserted else { return }
        for deletion in PlateEdits.deletions(of: Array(plate)) {
            switch byDeletion[deletion] {
            case nil: byDeletion[deletion] = .one(plate)
            case .one(let other): byDeletion[deletion] = .many([other, plate])
            case .many(var plates):
                plates.append(plate)
                byDeletion[deletion] = .many(plates)
            }
        }
    }

    public mutating func remove(_ plate: String) {
        guard members.remove(plate) != nil else { return }
        for deletion in PlateEdits.deletions(of: Array(plate)) {
            let rest = byDeletion[deletion]?.plates.filter { $0 != plate } ?? []
            switch rest.count {
            case 0: byDeletion[deletion] = nil
            case 1: byDeletion[deletion] = .one(rest[0])
            default: byDeletion[deletion] = .many(rest)
            }
        }
    }

    public func plates(oneEditFrom read: String) -> [String] {
        let characters = Array(read)
        let deletions = PlateEdits.deletions(of: characters)
        var candidates = Set(byDeletion[read]?.plates ?? [])
        for deletion in deletions {
            if members.contains(deletion) { candidates.insert(deletion) }
            candidates.formUnion(byDeletion[deletion]?.plates ?? [])
        }
        return candidates.filter { PlateEdits.oneEditApart(characters, Array($0)) }
    }
}
