/// A hash table from 64-bit words to 64-bit words, for the `PlateIndex`:
/// a gate files each plate it learns under itself and its eight deletions,
/// and the standard `Dictionary` hashes every one of those keys with
/// SipHash, which profiles of a catch-up and a book's reload put at a tenth
/// of the gate's CPU. Here a key is mixed by a few multiplies and shifts
/// and found by linear probing in one array of key and value side by side
/// (a probe touches one cache line).
///
/// The mix starts from the process's hashing seed, as Swift's own tables
/// do (`SWIFT_DETERMINISTIC_HASHING` fixes it, as it fixes theirs), so
/// which plates share a slot differs from process to process. It is not a
/// keyed hash as SipHash is; the words filed are valid plates from rows
/// the hub checked, and collisions could slow the book, never change what
/// it answers.
struct WordTable: Sendable {
    /// No key may be this word: it marks an empty slot.
    static let vacant: UInt64 = .max

    /// Key and value of slot `i` at `2 * i` and `2 * i + 1`.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0 as UInt64)
        return UInt64(truncatingIfNeeded: hasher.finalize())
    }()

    init() {
        (slots, mask) = Self.vacantSlots(capacity: 8)
    }

    /// Slots in the table; it grows past three quarters full.
    var capacity: Int { mask + 1 }

    /// Room for `count` keys before the table grows.
    mutating func reserveCapacity(_ count: Int) {
        guard count > capacity / 4 * 3 else { return }
        resize(capacity: Self.capacity(for: count))
    }

    subscript(key: UInt64) -> UInt64? {
        guard key != Self.vacant else { return nil }
        return slots.withUnsafeBufferPointer { slots in
            var slot = home(of: key)
            while true {
                let found = slots[2 * slot]
                if found == key { return slots[2 * slot + 1] }
                if found == Self.vacant { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Files `value` under `key` and returns the value it replaced, if any.
    @discardableResult
    mutating func updateValue(_ value: UInt64, forKey key: UInt64) -> UInt64? {
        precondition(key != Self.vacant, "the vacant mark is not a key")
        if count + 1 > capacity / 4 * 3 { resize(capacity: 2 * capacity) }
        let start = home(of: key)
        let mask = mask
        let replaced: UInt64? = slots.withUnsafeMutableBufferPointer { slots in
            var slot = start
            while true {
                let found = slots[2 * slot]
                if found == key {
                    defer { slots[2 * slot + 1] = value }
                    return slots[2 * slot + 1]
                }
                if found == Self.vacant {
                    slots[2 * slot] = key
                    slots[2 * slot + 1] = value
                    return nil
                }
                slot = (slot + 1) & mask
            }
        }
        if replaced == nil { count += 1 }
        return replaced
    }

    /// Takes `key` out, moving back the keys probed past it so that no
    /// search stops early at the hole (no tombstones to clean up later).
    @discardableResult
    mutating func removeValue(forKey key: UInt64) -> UInt64? {
        guard key != Self.vacant else { return nil }
        let seed = seed
        let mask = mask
        let start = home(of: key)
        let removed: UInt64? = slots.withUnsafeMutableBufferPointer { slots in
            var hole = start
            while slots[2 * hole] != key {
                if slots[2 * hole] == Self.vacant { return nil }
                hole = (hole + 1) & mask
            }
            let value = slots[2 * hole + 1]
            var next = hole
            while true {
                next = (next + 1) & mask
                let moving = slots[2 * next]
                if moving == Self.vacant { break }
                let wanted = Self.home(of: moving, seed: seed, mask: mask)
                // It may fill the hole unless its home lies cyclically in (hole, next].
                let homeBetween = hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next)
                if homeBetween { continue }
                slots[2 * hole] = moving
                slots[2 * hole + 1] = slots[2 * next + 1]
                hole = next
            }
            slots[2 * hole] = Self.vacant
            return value
        }
        if removed != nil { count -= 1 }
        return removed
    }

    private func home(of key: UInt64) -> Int { Self.home(of: key, seed: seed, mask: mask) }

    /// MurmurHash3's 64-bit finaliser of the seeded key: every bit of the
    /// key moves every bit of the slot.
    private static func home(of key: UInt64, seed: UInt64, mask: Int) -> Int {
        var mixed = key ^ seed
        mixed ^= mixed >> 33
        mixed &*= 0xff51_afd7_ed55_8ccd
        mixed ^= mixed >> 33
        mixed &*= 0xc4ce_b9fe_1a85_ec53
        mixed ^= mixed >> 33
        return Int(truncatingIfNeeded: mixed) & mask
    }

    private mutating func resize(capacity: Int) {
        let old = slots
        (slots, mask) = Self.vacantSlots(capacity: capacity)
        let (seed, mask) = (seed, mask)
        slots.withUnsafeMutableBufferPointer { slots in
            for index in stride(from: 0, to: old.count, by: 2) where old[index] != Self.vacant {
                var slot = Self.home(of: old[index], seed: seed, mask: mask)
                while slots[2 * slot] != Self.vacant { slot = (slot + 1) & mask }
                slots[2 * slot] = old[index]
                slots[2 * slot + 1] = old[index + 1]
            }
        }
    }

    private static func capacity(for count: Int) -> Int {
        var capacity = 8
        while capacity / 4 * 3 < count { capacity *= 2 }
        return capacity
    }

    private static func vacantSlots(capacity: Int) -> (slots: [UInt64], mask: Int) {
        (Array(repeating: vacant, count: 2 * capacity), capacity - 1)
    }
}
