import Testing

@testable import MallDomain

@Suite struct WordTableTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func agreesWithADictionaryThroughInsertsUpdatesAndRemovals(seed: UInt64) {
        // Given a table and a dictionary taking the same random operations
        // on 500 words spread over the whole range (two thirds of them
        // filed at a time: the table stays at 512 slots, about two thirds
        // full, so probe runs form and removals break them up)
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        let words = (0..<500).map { _ in next() | 1 }.map { $0 == WordTable.vacant ? 0 : $0 }
        var table = WordTable()
        var expected: [UInt64: UInt64] = [:]
        for step in 0..<20_000 {
            let key = words[Int((next() >> 33) % 500)]
            switch (next() >> 33) % 3 {
            case 0, 1:
                let value = next()
                #expect(table.updateValue(value, forKey: key) == expected.updateValue(value, forKey: key))
            default:
                #expect(table.removeValue(forKey: key) == expected.removeValue(forKey: key))
            }
            // Then every word answers as the dictionary does, at every step
            if step % 97 == 0 {
                for word in words {
                    #expect(table[word] == expected[word], "seed \(seed), step \(step), key \(word)")
                }
            }
            #expect(table.count == expected.count)
        }
        #expect(table.capacity == 512)
    }

    @Test func theVacantMarkIsNoKey() {
        var table = WordTable()
        table.updateValue(5, forKey: 1)
        #expect(table[WordTable.vacant] == nil)
        #expect(table.removeValue(forKey: WordTable.vacant) == nil)
        #expect(table.count == 1 && table[1] == 5)
    }

    @Test func reservingRoomKeepsWhatIsFiled() {
        var table = WordTable()
        for key in 0..<100 as Range<UInt64> { table.updateValue(key * 3, forKey: key << 40) }
        table.reserveCapacity(100_000)
        #expect(table.capacity == 262_144)
        #expect(table.count == 100)
        #expect((0..<100 as Range<UInt64>).allSatisfy { table[$0 << 40] == $0 * 3 })
        #expect(table[1] == nil)
    }
}
