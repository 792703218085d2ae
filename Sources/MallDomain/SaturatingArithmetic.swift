extension Int64 {
    /// `self + other`, held at the bounds instead of trapping. Rules do
    /// arithmetic on times and counts from replicated rows; the schema bounds
    /// them, and this keeps a value that slipped past it from taking the
    /// process down.
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, held at the bounds instead of trapping.
    public func saturatingSubtract(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }

    /// How far apart two times are, exactly, for any two values.
    public func millisApart(from other: Int64) -> UInt64 {
        self >= other ? UInt64(bitPattern: self &- other) : UInt64(bitPattern: other &- self)
    }
}
