/// A guard in front of TOMLKit's parser (toml++ 3): a table header whose
/// first character after `[` or `[[` (and blanks) is neither a key character,
/// a quote nor `]` (as in `[# x`, or a line ending after `[`) fails an
/// assertion inside the parser, which aborts the process, and with `NDEBUG`
/// would be undefined behaviour instead. Found by `mall-fuzz config`; such a
/// file is refused here first, with its line.
///
/// It looks at lines that start with `[` (after blanks, a byte-order mark
/// included). A nested array of a
/// multi-line value written with a bare `[` on its own line is refused too:
/// MallEdge's configuration has no such values.
enum TableHeaderGuard {
    /// The 1-based line of the first header toml++ cannot parse safely, or nil.
    static func firstBadHeader(in text: String) -> Int? {
        // By scalars, not Characters: "\r\n" is one Character, so a file with
        // CRLF line ends would not split on "\n" at all.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        // Before the `[`, anything blank (a byte-order mark too): a line the
        // parser might take for a header is looked at. After it, only what
        // the parser skips there, spaces and tabs: the next character is the
        // one it asserts on.
        func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace || scalar == "\u{FEFF}" }
        for (index, line) in lines.enumerated() {
            var rest = line.drop(while: isBlank)
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard let first = rest.first,
                first.isASCII
                    && (first.properties.isAlphabetic || ("0"..."9").contains(first)
                        || "_-\"']".unicodeScalars.contains(first))
            else { return index + 1 }
        }
        return nil
    }
}
