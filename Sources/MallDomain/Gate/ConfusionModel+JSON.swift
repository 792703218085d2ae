import Foundation

extension ConfusionModel {
    /// Reads a table a mall fitted to its cameras:
    ///
    /// ```json
    /// {"otherRate": 0.00005,
    ///  "confusions": [{"truth": "1", "read": "7", "rate": 0.010}, …],
    ///  "weights": {"0": 5.5, …},
    ///  "positionWeights": {"2": {"0": 1.0, …}, …}}
    /// ```
    ///
    /// `truth` and `read` are one plate character each (a Latin letter or
    /// digit, or a province or suffix Hanzi); `rate` is how often `truth`
    /// is read as `read`, per occurrence. `weights` (optional) says how
    /// common characters are on the mall's plates, 1 where not given;
    /// `positionWeights` (optional) overrides it at one 0-based position.
    /// Unknown keys are refused, so a misspelt field is never silently a default.
    public init(json: [UInt8]) throws(ConfusionModelError) {
        guard json.count <= 1 << 20 else { throw ConfusionModelError("the file", "larger than 1 MiB") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json))
        } catch let error as ConfusionModelError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfusionModelError(Self.path(context.codingPath + [key]), "required")
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            throw ConfusionModelError(Self.path(context.codingPath), "of the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ConfusionModelError(Self.path(context.codingPath), "must not be null")
        } catch {
            throw ConfusionModelError("the file", "not a JSON object of otherRate and confusions")
        }
        var positionWeights: [Int: [Character: Double]] = [:]
        for (key, weights) in file.positionWeights ?? [:] {
            guard let position = Int(key), String(position) == key else {
                throw ConfusionModelError("positionWeights.\(key.prefix(16))", "keys are positions, 0-based")
            }
            positionWeights[position] = try Self.characters(weights, "positionWeights.\(key)")
        }
        try self.init(
            confusions: file.confusions.map(\.confusion), otherRate: file.otherRate,
            weights: try Self.characters(file.weights ?? [:], "weights"), positionWeights: positionWeights)
    }

    private static func characters(_ weights: [String: Double], _ field: String) throws(ConfusionModelError)
        -> [Character: Double]
    {
        var characters: [Character: Double] = [:]
        for (key, weight) in weights {
            guard key.count == 1, let character = key.first else {
                throw ConfusionModelError("\(field).\(key.prefix(16))", "keys are one character each")
            }
            characters[character] = weight
        }
        return characters
    }

    private struct File: Decodable {
        var otherRate: Double
        var confusions: [Entry]
        var weights: [String: Double]?
        var positionWeights: [String: [String: Double]]?

        enum CodingKeys: String, CodingKey, CaseIterable { case otherRate, confusions, weights, positionWeights }

        init(from decoder: any Decoder) throws {
            let container = try decoder.refusingUnknownKeys(CodingKeys.self)
            otherRate = try container.decode(Double.self, forKey: .otherRate)
            confusions = try container.decode([Entry].self, forKey: .confusions)
            weights = try container.decodeIfPresent([String: Double].self, forKey: .weights)
            positionWeights = try container.decodeIfPresent([String: [String: Double]].self, forKey: .positionWeights)
        }
    }

    private struct Entry: Decodable {
        var confusion: Confusion

        enum CodingKeys: String, CodingKey, CaseIterable { case truth, read, rate }

        init(from decoder: any Decoder) throws {
            let container = try decoder.refusingUnknownKeys(CodingKeys.self)
            func character(_ key: CodingKeys) throws -> Character {
                let text = try container.decode(String.self, forKey: key)
                guard text.count == 1, let character = text.first else {
                    throw ConfusionModelError(ConfusionModel.path(decoder.codingPath + [key]), "one character")
                }
                return character
            }
            confusion = Confusion(
                truth: try character(.truth), read: try character(.read),
                rate: try container.decode(Double.self, forKey: .rate))
        }
    }

    /// `confusions[3].rate`, `positionWeights.2`; `the file` for the top level.
    fileprivate static func path(_ codingPath: [any CodingKey]) -> String {
        // An array index names itself "Index 3"; an object key that looks like a number names itself "2".
        let path = codingPath.map { key in
            key.intValue.flatMap { String($0) == key.stringValue ? nil : "[\($0)]" } ?? ".\(key.stringValue)"
        }.joined()
        return path.isEmpty ? "the file" : String(path.dropFirst(path.hasPrefix(".") ? 1 : 0))
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    fileprivate func refusingUnknownKeys<Key: CodingKey & CaseIterable>(_ keys: Key.Type) throws
        -> KeyedDecodingContainer<Key>
    {
        let known = Set(Key.allCases.map(\.stringValue))
        if let unknown = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
            .first(where: { !known.contains($0) })
        {
            throw ConfusionModelError(ConfusionModel.path(codingPath), "unknown key \"\(unknown.prefix(40))\"")
        }
        return try container(keyedBy: Key.self)
    }
}
