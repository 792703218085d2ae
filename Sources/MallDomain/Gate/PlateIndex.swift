/// A set of plates that finds every plate one edit from a read without
/// scanning: each plate is filed under itself and under each string left by
/// deleting one of its characters (a symmetric-deletion index). Two strings
/// are one substitution apart only if they share a deletion; one insertion
/// apart only if one is a deletion of the other. So a query looks up the
/// read and its deletions, about nine dictionary probes for any book size,
/// and checks the few candidates exactly.
///
/// Plates are filed packed (`PackedPlate`). A string the packing cannot
/// hold (longer than eight characters, or with a character no plate
/// carries) is kept aside and scanned: the normaliser lets none through, so
/// the set stays exact for any string at no cost to the real ones.
public struct PlateIndex: PlateSet, Sendable {
    /// Members longer than this are kept aside: a read one insertion from
    /// them would be longer than a `PackedPlate` holds.
    private static let longestFiled = PackedPlate.maxLength - 1

    /// What a deletion several plates share maps to: they are in
    /// `crowded`. A filed plate has eight characters at most, 56 bits, so
    /// the top bit never marks one.
    private static let crowdedMark: UInt64 = 1 << 63
    /// Members are filed beside the deletions with this bit set: neither a
    /// filed plate nor a deletion reaches it (a read of nine characters
    /// does, and is never looked up as a deletion).
    private static let memberTag: UInt64 = 1 << 62

    /// Each deletion's one plate (its bits) or `crowdedMark`, and each
    /// member (tagged). Most deletions belong to one plate: a word each,
    /// where an enum of one plate or an array took two (a gate's book of a
    /// million live plates holds about eight million deletions).
    private var table = WordTable()
    private var crowded: [PackedPlate: [PackedPlate]] = [:]
    private var filedMembers = 0
    private var asideMembers: Set<String> = []

    public init() {}

    public init(_ plates: some Sequence<String>) {
        for plate in plates { insert(plate) }
    }

    public var count: Int { filedMembers + asideMembers.count }

    /// Room for `plates` plates and their deletions (eight at most each), so
    /// that loading a book does not grow and rehash its table step by step.
    public mutating func reserveCapacity(_ plates: Int) {
        table.reserveCapacity(plates * (Self.longestFiled + 1))
    }

    public func contains(_ plate: String) -> Bool {
        if let packed = Self.filed(plate) { return isMember(packed) }
        return asideMembers.contains(plate)
    }

    public mutating func insert(_ plate: String) {
        guard let packed = Self.filed(plate) else {
            asideMembers.insert(plate)
            return
        }
        guard table.updateValue(0, forKey: packed.bits | Self.memberTag) == nil else { return }
        filedMembers += 1
        // One probe of the table for a deletion no other plate has, nearly
        // every one: filed at once, and set right after if it was taken.
        for deletion in packed.deletions {
            guard let other = table.updateValue(packed.bits, forKey: deletion.bits) else { continue }
            table.updateValue(Self.crowdedMark, forKey: deletion.bits)
            if other == Self.crowdedMark {
                crowded[deletion, default: []].append(packed)
            } else {
                crowded[deletion] = [PackedPlate(bits: other), packed]
            }
        }
    }

    public mutating func remove(_ plate: String) {
        guard let packed = Self.filed(plate) else {
            asideMembers.remove(plate)
            return
        }
        guard table.removeValue(forKey: packed.bits | Self.memberTag) != nil else { return }
        filedMembers -= 1
        for deletion in packed.deletions {
            let rest = filed(under: deletion).filter { $0 != packed }
            crowded[deletion] = rest.count > 1 ? rest : nil
            switch rest.count {
            case 0: table.removeValue(forKey: deletion.bits)
            case 1: table.updateValue(rest[0].bits, forKey: deletion.bits)
            default: table.updateValue(Self.crowdedMark, forKey: deletion.bits)
            }
        }
    }

    public func plates(oneEditFrom read: String) -> [String] {
        let characters = Array(read)
        var candidates = asideMembers.filter { PlateEdits.oneEditApart(characters, Array($0)) }
        guard let packed = PackedPlate(codesOf: characters) else { return Array(candidates) }
        // Only a read shorter than the longest filed plate can be one of
        // their deletions; a read of nine characters would reach the tag
        // that marks the members.
        var near = Set(packed.count < Self.longestFiled ? filed(under: packed) : [])
        for deletion in packed.deletions {
            if isMember(deletion) { near.insert(deletion) }
            near.formUnion(filed(under: deletion))
        }
        for plate in near {
            let text = plate.text
            if PlateEdits.oneEditApart(characters, Array(text)) { candidates.insert(text) }
        }
        return Array(candidates)
    }

    private func isMember(_ packed: PackedPlate) -> Bool { table[packed.bits | Self.memberTag] != nil }

    private func filed(under deletion: PackedPlate) -> [PackedPlate] {
        switch table[deletion.bits] {
        case nil: []
        case Self.crowdedMark: crowded[deletion] ?? []
        case let plate?: [PackedPlate(bits: plate)]
        }
    }

    private static func filed(_ plate: String) -> PackedPlate? {
        guard let packed = PackedPlate(plate), packed.count <= longestFiled else { return nil }
        return packed
    }
}
