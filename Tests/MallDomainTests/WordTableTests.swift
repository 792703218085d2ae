import Testing

@testable import MallDomain

@Suite struct WordTableTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func agreesWithADictionaryThroughInsertsUpdatesAndRemovals(seed: UInt64) {
        // Given a table and a dictionary taking the same random operations
        // on keys from a small range, so that probe runs form, wrap around
        // the end of the table and are broken up by removals
        var state = seed
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        var table = WordTable()
        var expected: [UInt64: UInt64] = [:]
        for step in 0..<20_000 {
            let key = next(600)
            switch next(3) {
            case 0, 1:
                let value = next(1 << 40)
                #expect(table.updateValue(value, forKey: key) == expected.updateValue(value, forKey: key))
            default:
                #expect(table.removeValue(forKey: key) == expected.removeValue(forKey: key))
            }
            // Then every key answers as the dictionary does, at every step
            if step % 97 == 0 {
                for probe in 0..<600 as Range<UInt64> {
                    #expect(table[probe] == expected[probe], "seed \(seed), step \(step), key \(probe)")
                }
            }
            #expect(table.count == expected.count)
        }
    }

    @Test func reservingRoomKeepsWhatIsFiled() {
        var table = WordTable()
        for key in 0..<100 as Range<UInt64> { table.updateValue(key * 3, forKey: key << 40) }
        table.reserveCapacity(100_000)
        #expect(table.count == 100)
        #expect((0..<100 as Range<UInt64>).allSatisfy { table[$0 << 40] == $0 * 3 })
        #expect(table[1] == nil)
    }
}
