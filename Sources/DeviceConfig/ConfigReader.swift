import TOMLKit

/// Reads typed values out of one TOML table and remembers which keys it read,
/// so that a misspelt key is an error instead of a silently ignored setting.
struct ConfigReader {
    let file: String
    let prefix: String
    private let table: TOMLTable
    private var read: Set<String> = []

    init(file: String, table: TOMLTable, prefix: String = "") {
        self.file = file
        self.table = table
        self.prefix = prefix
    }

    static func parse(file: String, text: String) throws(ConfigError) -> ConfigReader {
        if let problem = ParserProbe.failure(of: text) { throw ConfigError(file: file, key: nil, problem: problem) }
        do {
            return ConfigReader(file: file, table: try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, key: nil,
                problem: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): "
                    + error.description)
        } catch {
            throw ConfigError(file: file, key: nil, problem: "not valid TOML: \(error)")
        }
    }

    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func failure(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(file: file, key: path(key), problem: problem)
    }

    private mutating func value(_ key: String) -> (any TOMLValueConvertible)? {
        read.insert(key)
        return table[key]
    }

    mutating func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else { throw failure(key, "expected a string, found \(value.type)") }
        return text
    }

    mutating func string(_ key: String, default fallback: String? = nil) throws(ConfigError) -> String {
        if let text = try optionalString(key) { return text }
        if let fallback { return fallback }
        throw failure(key, "missing: expected a string")
    }

    /// A string that must satisfy `valid`; `expected` says what valid means.
    mutating func string(
        _ key: String, default fallback: String? = nil, expected: String, valid: (String) -> Bool
    ) throws(ConfigError) -> String {
        let text = try string(key, default: fallback)
        guard valid(text) else { throw failure(key, "expected \(expected), found \"\(text)\"") }
        return text
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws(ConfigError)
        -> Int
    {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw failure(key, "missing: expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        guard let number = value.int else {
            throw failure(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value.type)")
        }
        guard range.contains(number) else {
            throw failure(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(number)")
        }
        return number
    }

    /// A number (integer or decimal) in `range`.
    mutating func double(_ key: String, in range: ClosedRange<Double>, default fallback: Double) throws(ConfigError)
        -> Double
    {
        guard let value = value(key) else { return fallback }
        guard let number = value.double ?? value.int.map(Double.init) else {
            throw failure(key, "expected a number in \(range.lowerBound)...\(range.upperBound), found \(value.type)")
        }
        guard range.contains(number) else {
            throw failure(key, "expected a number in \(range.lowerBound)...\(range.upperBound), found \(number)")
        }
        return number
    }

    mutating func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let value = value(key) else { return fallback }
        guard let flag = value.bool else { throw failure(key, "expected true or false, found \(value.type)") }
        return flag
    }

    /// A sub-table (`[mqtt]`); an absent one reads as empty, so every key takes its default.
    mutating func section(_ key: String) throws(ConfigError) -> ConfigReader {
        guard let value = value(key) else {
            return ConfigReader(file: file, table: TOMLTable(), prefix: path(key))
        }
        guard let table = value.table else { throw failure(key, "expected a table, found \(value.type)") }
        return ConfigReader(file: file, table: table, prefix: path(key))
    }

    /// An array of tables (`[[nodes]]`).
    mutating func sections(_ key: String) throws(ConfigError) -> [ConfigReader] {
        guard let value = value(key) else { return [] }
        guard let array = value.array else { throw failure(key, "expected an array of tables, found \(value.type)") }
        var readers: [ConfigReader] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw failure("\(key)[\(index)]", "expected a table, found \(element.type)")
            }
            readers.append(ConfigReader(file: file, table: table, prefix: "\(path(key))[\(index)]"))
        }
        return readers
    }

    /// Fails when a key an earlier version read is still set, saying what
    /// took its place: silently ignoring it would change a device's rule.
    func rejectRetired(_ key: String, replacedBy replacement: String) throws(ConfigError) {
        if table[key] != nil { throw failure(key, "no longer read: \(replacement)") }
    }

    /// Fails on the first key this reader was never asked for.
    func rejectUnknownKeys() throws(ConfigError) {
        if let unknown = table.keys.sorted().first(where: { !read.contains($0) }) {
            throw failure(unknown, "unknown key (misspelt, or in the wrong section?)")
        }
    }
}
