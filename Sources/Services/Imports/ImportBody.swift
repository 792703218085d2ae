import Foundation
import Hummingbird
import MallDomain
import SwiftCSV
import SyncCore

/// Import bodies: CSV with a header row (`text/csv`), or JSON
/// `{"rows": [{"field": "text or number"}]}`. Up to 16 MiB.
enum ImportBody {
    static let maxBytes = 16 * 1024 * 1024

    struct Refusal: Encodable {
        struct Message: Encodable { var message: String }
        var error: Message
        var rows: [ImportRowError]
    }

    static func rows(of request: Request) async throws -> [[String: String]] {
        let isCSV = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true
        guard isCSV || RequestBody.isJSON(request.headers[.contentType]) else {
            throw HTTPError(.unsupportedMediaType, message: "send the rows as text/csv or application/json")
        }
        let buffer = try await request.body.collect(upTo: maxBytes)
        let data = Data(buffer.readableBytesView)
        guard let text = String(data: data, encoding: .utf8) else {
            throw HTTPError(.badRequest, message: "the body is not UTF-8 text")
        }
        if isCSV {
            // Quotes inside a quoted field are doubled (RFC 4180), so a
            // well-formed file holds an even number; SwiftCSV would read an
            // unterminated field to the end of the file instead of refusing it.
            guard text.utf8.count(where: { $0 == UInt8(ascii: "\"") }).isMultiple(of: 2) else {
                throw HTTPError(.badRequest, message: "not valid CSV: a quoted field is never closed")
            }
            do {
                let csv = try CSV<Named>(string: text, delimiter: .comma, loadColumns: false)
                return csv.rows
            } catch {
                throw HTTPError(.badRequest, message: "not valid CSV: \(error)")
            }
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let rows = object["rows"] as? [[String: Any]], object.count == 1
        else { throw HTTPError(.badRequest, message: "expected {\"rows\": [{…}]} or a text/csv body") }
        if let key = RepeatedJSONKeys.first(in: [UInt8](data)) {
            throw HTTPError(.badRequest, message: "field \(key): given twice in one object")
        }
        return try rows.enumerated().map { index, row in
            try row.mapValues { value in
                switch value {
                case let text as String: return text
                case let number as NSNumber: return "\(number)"
                default: throw HTTPError(.badRequest, message: "row \(index + 1): values are text or numbers")
                }
            }
        }
    }
}
