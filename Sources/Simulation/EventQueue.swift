/// A priority queue of simulated events by time, ties broken by insertion
/// order, so a run is a pure function of its seed.
struct EventQueue<Event> {
    private var heap: [(time: UInt64, order: UInt64, event: Event)] = []
    private var counter: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextTime: UInt64? { heap.first?.time }

    mutating func push(_ event: Event, at time: UInt64) {
        counter += 1
        heap.append((time, counter, event))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: UInt64, event: Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.less(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (top.time, top.event)
    }

    /// Moves every pending event `millis` later (the order stays).
    mutating func delay(by millis: UInt64) {
        for index in heap.indices { heap[index].time += millis }
    }

    private static func less(
        _ a: (time: UInt64, order: UInt64, event: Event), _ b: (time: UInt64, order: UInt64, event: Event)
    ) -> Bool {
        (a.time, a.order) < (b.time, b.order)
    }
}

/// FNV-1a over the events of a run: two runs of one seed must end with the
/// same value. (Swift's `Hasher` is seeded per process and cannot serve.)
struct TraceHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ number: UInt64) {
        var n = number
        for _ in 0..<8 {
            value = (value ^ (n & 0xFF)) &* 0x100_0000_01b3
            n >>= 8
        }
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
}
