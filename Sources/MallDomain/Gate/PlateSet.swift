/// The plates a read may be matched against, and the two questions the
/// matcher asks of them. A plain `Set<String>` answers them by scanning; the
/// `PlateIndex` answers them in microseconds for a car park's whole book.
public protocol PlateSet {
    func contains(_ plate: String) -> Bool
    /// The plates exactly one substitution, insertion or deletion away from
    /// `read` (never `read` itself), in no particular order.
    func plates(oneEditFrom read: String) -> [String]
}

extension Set<String>: PlateSet {
    public func plates(oneEditFrom read: String) -> [String] {
        let characters = Array(read)
        return filter { PlateEdits.oneEditApart(characters, Array($0)) }
    }
}

/// Edit-distance helpers shared by the matcher and the index.
enum PlateEdits {
    /// Whether `a` becomes `b` by exactly one substitution, insertion or deletion.
    static func oneEditApart(_ a: [Character], _ b: [Character]) -> Bool {
        if a.count == b.count { return zip(a, b).count(where: { $0 != $1 }) == 1 }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        guard long.count - short.count == 1 else { return false }
        var i = 0
        while i < short.count && short[i] == long[i] { i += 1 }
        return short[i...] == long[(i + 1)...]
    }

    /// The strings left by deleting one character of `characters`, once each.
    static func deletions(of characters: [Character]) -> Set<String> {
        Set(
            characters.indices.map { index in
                var copy = characters
                copy.remove(at: index)
                return String(copy)
            })
    }
}
