/// The primitives of the compact binary encodings (SPEC §12.5): unsigned
/// LEB128 varints, zigzag for signed integers, and length-prefixed UTF-8.
/// Reading never traps: every length and varint is checked against what is
/// left, and anything out of place is a `CompactBytes.Malformed`.
public enum CompactBytes {
    /// Why bytes do not decode, with the offset where reading stopped.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String

        public var description: String { "malformed compact bytes at offset \(offset): \(reason)" }
    }

    /// Appends values to a byte buffer.
    public struct Writer {
        public private(set) var bytes: [UInt8] = []

        public init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

        public mutating func byte(_ value: UInt8) { bytes.append(value) }

        public mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        /// Zigzag: small magnitudes of either sign take few bytes.
        public mutating func signed(_ value: Int64) {
            varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        }

        public mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

        /// A dictionary as its count, then each name as text and its
        /// element, in increasing order of the names' UTF-8 bytes (one
        /// dictionary, one encoding).
        public mutating func keyed<Element>(_ items: [String: Element], _ element: (inout Self, Element) -> Void) {
            varint(UInt64(items.count))
            for index in items.indicesInByteOrderOfKeys {
                let (name, item) = items[index]
                text(name)
                element(&self, item)
            }
        }

        public mutating func text(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                varint(UInt64(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }
    }

    /// Reads values from a byte buffer, front to back. It borrows the
    /// buffer: use it only inside the `withUnsafeBytes` that lent it
    /// (`read(_:_:)` does that).
    public struct Reader {
        let buffer: UnsafeRawBufferPointer
        public private(set) var offset = 0

        init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

        public var isAtEnd: Bool { offset == buffer.count }
        public var remaining: Int { buffer.count - offset }

        public func malformed(_ reason: String) -> Malformed { Malformed(offset: offset, reason: reason) }

        public mutating func byte() throws(Malformed) -> UInt8 {
            guard offset < buffer.count else { throw malformed("ends early") }
            defer { offset += 1 }
            return buffer[offset]
        }

        /// At most 10 bytes, nothing beyond 64 bits, and no longer than the
        /// value needs.
        public mutating func varint() throws(Malformed) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                let payload = UInt64(next & 0x7F)
                guard shift < 63 || (shift == 63 && payload <= 1) else { throw malformed("varint beyond 64 bits") }
                value |= payload << shift
                if next & 0x80 == 0 {
                    // A last byte of zero after others adds nothing: one value, one encoding.
                    guard next != 0 || shift == 0 else { throw malformed("varint longer than it needs") }
                    return value
                }
                shift += 7
            }
        }

        public mutating func signed() throws(Malformed) -> Int64 {
            let zigzag = try varint()
            return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        }

        /// The next `count` bytes, as they are.
        public mutating func slice(count: UInt64) throws(Malformed) -> UnsafeRawBufferPointer {
            guard count <= UInt64(remaining) else { throw malformed("\(count) bytes promised, \(remaining) left") }
            defer { offset += Int(count) }
            return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + Int(count)])
        }

        /// The bytes read since `start` (an offset the reader stood at), as
        /// they are.
        func bytes(from start: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: buffer[start..<offset])
        }

        /// What `Writer.keyed` wrote: names strictly increasing by their
        /// bytes and distinct as Swift strings (a canonically equivalent
        /// spelling is the same key), and no count promising more elements
        /// than `minimumBytes` each leaves room for.
        public mutating func keyed<Element>(
            minimumBytes: Int, _ element: (inout Self) throws(Malformed) -> Element
        ) throws(Malformed) -> [String: Element] {
            let count = try varint()
            guard count <= UInt64(remaining / minimumBytes) else { throw malformed("\(count) names promised") }
            var items: [String: Element] = [:]
            items.reserveCapacity(Int(count))
            var previous: String?
            for _ in 0..<count {
                let name = try text()
                if let previous, !previous.precedesBytewise(name) {
                    throw malformed("\(name.prefix(80)) out of order")
                }
                guard items.updateValue(try element(&self), forKey: name) == nil else {
                    throw malformed("\(name.prefix(80)) repeated")
                }
                previous = name
            }
            return items
        }

        public mutating func text() throws(Malformed) -> String {
            let length = try varint()
            guard length <= UInt64(remaining) else { throw malformed("text longer than what is left") }
            let end = offset + Int(length)
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[offset..<end]).assumingMemoryBound(to: UInt8.self)
            // Decoded with repair, then checked: valid UTF-8 decodes to the
            // very same bytes, and a repair writes U+FFFD where the input had
            // an incomplete or invalid sequence, so it never does. Without
            // the generic path of `String(validating:as:)`, which looked up
            // type metadata for every string read (3 % of an ingest's CPU).
            var text = String(decoding: bytes, as: UTF8.self)
            guard text.withUTF8({ CompactBytes.same($0, bytes) }) else {
                throw malformed("text is not UTF-8")
            }
            offset = end
            return text
        }
    }

    /// Whether `a` and `b` hold the same bytes, compared a word at a time:
    /// the generic `elementsEqual` went byte by byte, 2 % of a catch-up's
    /// CPU when every text read was checked with it.
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        let (left, right) = (UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
        var offset = 0
        while offset + 8 <= left.count {
            guard
                left.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == right.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        while offset < left.count {
            guard left[offset] == right[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Reads `buffer` whole with `body`: bytes left over are malformed too.
    public static func read<Value>(
        _ buffer: UnsafeRawBufferPointer, _ body: (inout Reader) throws(Malformed) -> Value
    ) throws(Malformed) -> Value {
        var reader = Reader(buffer)
        let value = try body(&reader)
        guard reader.isAtEnd else { throw reader.malformed("bytes left over") }
        return value
    }

    public static func read<Value>(
        _ bytes: [UInt8], _ body: (inout Reader) throws(Malformed) -> Value
    ) throws(Malformed) -> Value {
        let result: Result<Value, Malformed> = bytes.withUnsafeBytes { buffer in
            Result { () throws(Malformed) -> Value in try read(buffer, body) }
        }
        return try result.get()
    }
}
