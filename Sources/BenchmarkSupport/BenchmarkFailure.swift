/// A benchmark that could not produce its figure: what went wrong, for the
/// person running it (a run that did not converge, a refused message).
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
