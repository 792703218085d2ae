extension StringProtocol {
    /// Without the spaces, tabs and newlines a scanner, a CSV export or a
    /// hurried typist adds around a value.
    public func trimmingWhitespace() -> String {
        String(
            unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }
                .reversed().map(Character.init))
    }
}
