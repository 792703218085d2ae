/// Latency samples and the figures a benchmark prints from them.
struct Samples {
    private(set) var values: [Duration] = []

    mutating func add(_ value: Duration) { values.append(value) }
    mutating func add(contentsOf other: Samples) { values += other.values }

    func percentile(_ p: Double) -> Duration {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// `median  p99  max` in a fixed-width row.
    func row(_ label: String) -> String {
        let cells = [percentile(0.5), percentile(0.99), percentile(1)].map(Self.format)
        return label.padding(toLength: 58, withPad: " ", startingAt: 0)
            + cells.map { $0.leftPadded(to: 10) }.joined()
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = Double(seconds) * 1e6 + Double(attoseconds) / 1e12
        if micros < 1000 { return String(format: "%.1f µs", micros) }
        return String(format: "%.2f ms", micros / 1000)
    }

    static let header =
        "".padding(toLength: 58, withPad: " ", startingAt: 0)
        + ["median", "p99", "max"].map { $0.leftPadded(to: 10) }.joined()
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
