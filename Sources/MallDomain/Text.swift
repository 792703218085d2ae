extension StringProtocol {
    /// Without the spaces, tabs and newlines a scanner, a CSV export or a
    /// hurried typist adds around a value.
    public func trimmingWhitespace() -> String {
        String(
            unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }
                .reversed().map(Character.init))
    }
}

extension String {
    /// With every control character shown as U+FFFD: a camera's garbage
    /// kept as evidence without control bytes in logs, audit entries or the
    /// replica (whose canonical form uses U+001C to U+001F as separators).
    public var replacingControlCharacters: String {
        String(
            String.UnicodeScalarView(
                unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "\u{FFFD}" : $0 }))
    }
}
