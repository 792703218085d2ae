import MallDomain

/// Deterministic plate-shaped data for benchmarks: ordinary plates of real
/// provinces with serials from the letters plates use (no I or O).
public struct SyntheticPlates: Sendable {
    private var state: UInt64
    private let provinces = Array(PlateNormalizer.provinces).sorted()
    private let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    private let serial = Array("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    public init(seed: UInt64) { state = seed }

    public mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    public mutating func plate() -> String {
        String(provinces[next(provinces.count)]) + String(letters[next(letters.count)])
            + String((0..<5).map { _ in serial[next(serial.count)] })
    }

    /// `count` plates, none twice, in the order drawn.
    public mutating func distinctPlates(_ count: Int) -> [String] {
        var plates: [String] = []
        var seen: Set<String> = []
        while plates.count < count {
            let plate = plate()
            if seen.insert(plate).inserted { plates.append(plate) }
        }
        return plates
    }

    /// `plate` with one character swapped for one the standard confusion
    /// model says cameras read it as, and per-character confidences that
    /// doubt exactly that character.
    public mutating func misread(_ plate: String) -> (text: String, confidences: [Double])? {
        var characters = Array(plate)
        let misreads = characters.indices.flatMap { index in
            ConfusionModel.standard.misreads(of: characters[index]).map { (index, $0.read) }
        }
        guard !misreads.isEmpty else { return nil }
        let (position, read) = misreads[next(misreads.count)]
        characters[position] = read
        var confidences = Array(repeating: 0.97, count: characters.count)
        confidences[position] = 0.45
        return (String(characters), confidences)
    }
}
