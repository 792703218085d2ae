import Foundation
import MallDomain
import SyncCore

extension FuzzTarget {
    /// Rows as a replica may hold them, any value in any column (in the schema
    /// or not), fed to the decision books, then a decision of each kind on
    /// the books that result: mapping a row may refuse it, never trap.
    static func runViews(_ input: FuzzBytes) {
        var input = input
        var books = DecisionBooks()
        let tables = DecisionBooks.columns.keys.sorted() + ["staff"]
        for _ in 0..<Int(input.byte() % 16) {
            let table = tables[Int(input.byte()) % tables.count]
            // Few keys, so rows are replaced and deleted as well as added.
            let key = ["r1", "r2", "mall-sh-01:m3", "gc-0123456789abcdef", "v1"][Int(input.byte()) % 5]
            var values: [String: Value] = [:]
            for column in DecisionBooks.columns[table] ?? ["name"] where input.byte() % 4 != 0 {
                values[column] = value(&input)
            }
            try? books.apply(RowRef(table: table, key: key), values: values)
        }
        let now = input.int64()
        let read = PlateMatcher.Read(
            text: samples[Int(input.byte()) % samples.count], confidence: input.unit(), characterConfidences: nil,
            alternatives: [])
        _ = GateDecider().decide(read, input.byte() % 2 == 0 ? .entering : .leaving, now: now, book: books.reservations)
        _ = try? GiftVerifier().verify(
            giftVector, counter: "c1", mall: "mall-sh-01", now: now, book: books.gifts)
        _ = books.gifts.redemptions(of: "gc-0123456789abcdef")
        _ = books.lounge.overstayed(now: now, maxStayMillis: input.int64())
        let member = LoungeDesk.Member(
            id: books.lounge.member(card: "C-1") ?? "m1", name: "x", tier: "gold", guestsAllowed: Int(input.byte() % 21)
        )
        _ = try? LoungeDesk().checkIn(member, guests: Int(input.byte() % 21), book: books.lounge, now: 0)
    }

    /// A value of any kind a column may arrive with: null, an integer from
    /// anywhere in Int64, or text (sample values the books look for, or bytes).
    private static func value(_ input: inout FuzzBytes) -> Value {
        switch input.byte() % 4 {
        case 0: return .null
        case 1: return .int(input.int64())
        case 2: return .text(samples[Int(input.byte()) % samples.count])
        default: return .text(input.text())
        }
    }

    /// Texts the books read meaning into: plates, statuses, a member and a
    /// card, a code id, the documented test key's public key in base64 (so
    /// the gift vector can verify).
    private static let samples = [
        "皖A12345", "沪A·12345", "粤Z1234港", "京AD12345", "booked", "inside", "left", "no-show", "cancelled", "open",
        "closed", "m1", "C-1", "gc-0123456789abcdef", Data(testPublicKey).base64EncodedString(), "",
    ]

    /// The first version 2 vector of GIFT-TOKENS.md, or an empty code.
    private static let giftVector: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../sync-protocol/GIFT-TOKENS.md")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("MG2:") }.map(String.init) ?? "MG2:"
    }()
}
