import MallDomain
import Testing

@Suite struct PlateIndexTests {
    /// Plate-like strings over a small alphabet, so one-edit neighbours are common.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }

        mutating func plate() -> String {
            let provinces = Array("皖沪粤")
            let serial = Array("0D8B12AZ")
            let length = next(4) == 0 ? 6 : 5
            return String(provinces[next(3)]) + "A" + String((0..<length).map { _ in serial[next(serial.count)] })
        }

        /// Strings no normaliser lets through: too long for the packing, a
        /// letter no plate carries, a character of two scalars.
        mutating func oddity() -> String {
            let odd: [Character] = ["é", "e\u{301}", "Ⅰ", "中", "1"]
            var characters = Array(plate())
            for _ in 0..<next(4) { characters.insert(odd[next(odd.count)], at: next(characters.count + 1)) }
            return String(characters)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func findsExactlyWhatAScanFinds(seed: UInt64) {
        // Given the same plates in a Set (answered by scanning) and in an index
        var generator = Generator(state: seed)
        var scanned: Set<String> = []
        var index = PlateIndex()
        for _ in 0..<300 {
            let plate = generator.plate()
            scanned.insert(plate)
            index.insert(plate)
        }
        for _ in 0..<100 {
            let plate = generator.plate()
            scanned.remove(plate)
            index.remove(plate)
        }
        // Then every query gets the same neighbours and membership from both
        for _ in 0..<500 {
            let read = generator.plate()
            #expect(
                Set(index.plates(oneEditFrom: read)) == Set(scanned.plates(oneEditFrom: read)),
                "seed \(seed), read \(read)")
            #expect(index.contains(read) == scanned.contains(read))
        }
        #expect(index.count == scanned.count)
    }

    @Test(arguments: [6, 7, 8] as [UInt64])
    func staysExactForStringsNoPlateLooksLike(seed: UInt64) {
        // Given plates and oddities (long, foreign, composed) in a Set and in an index
        var generator = Generator(state: seed)
        var scanned: Set<String> = []
        var index = PlateIndex()
        for round in 0..<400 {
            let plate = round % 2 == 0 ? generator.plate() : generator.oddity()
            scanned.insert(plate)
            index.insert(plate)
        }
        for _ in 0..<100 {
            let plate = generator.next(2) == 0 ? generator.plate() : generator.oddity()
            scanned.remove(plate)
            index.remove(plate)
        }
        // Then reads of either kind get the same answers from both
        for _ in 0..<500 {
            let read = generator.next(2) == 0 ? generator.plate() : generator.oddity()
            #expect(
                Set(index.plates(oneEditFrom: read)) == Set(scanned.plates(oneEditFrom: read)),
                "seed \(seed), read \(read)")
            #expect(index.contains(read) == scanned.contains(read))
        }
        #expect(index.count == scanned.count)
    }

    @Test func readsOfNineCharactersFindWhatAScanFinds() {
        // A read of nine plate characters packs into the bits where the
        // index tags its members (豫 last sets bit 62)
        let plates: Set<String> = ["沪AD12345", "沪AD1234豫", "豫AD12345"]
        let index = PlateIndex(plates)
        for read in ["沪AD12345豫", "沪AD1234豫5", "豫沪AD12345", "沪AD12345豫豫"] {
            #expect(Set(index.plates(oneEditFrom: read)) == Set(plates.plates(oneEditFrom: read)), "read \(read)")
        }
    }

    @Test func findsSubstitutionsInsertionsAndDeletionsButNotTheReadItself() {
        let index = PlateIndex(["皖A12345", "皖A1234", "皖A123456", "沪A12345", "皖A12354"])
        #expect(Set(index.plates(oneEditFrom: "皖A12345")) == ["皖A1234", "皖A123456", "沪A12345"])
    }

    @Test func removingOnePlateKeepsItsNeighboursThatShareDeletions() {
        var index = PlateIndex(["皖A12345", "皖A12346"])
        index.remove("皖A12346")
        #expect(index.plates(oneEditFrom: "皖A12347") == ["皖A12345"])
        index.remove("皖A12345")
        #expect(index.plates(oneEditFrom: "皖A12347").isEmpty)
        #expect(index.count == 0)
    }
}
