import SyncCore
import Testing

/// How far a node's cursors hold when the hub's log history changes (§9.6).
@Suite struct LogHistoryTests {
    let marks = [HistoryMark(id: "h-1", from: 0), HistoryMark(id: "h-2", from: 900), HistoryMark(id: "h-3", from: 700)]

    @Test func cursorsOfTheCurrentHistoryHoldWhole() {
        #expect(LogHistory.validThrough(appliedUnder: "h-3", marks: marks) == nil)
        #expect(LogHistory.validThrough(appliedUnder: "h-1", marks: []) == nil)
    }

    @Test func cursorsOfAnOlderHistoryHoldUpToTheEarliestRestoreSince() {
        // Applied under h-1: the log went back to 900, then to 700.
        #expect(LogHistory.validThrough(appliedUnder: "h-1", marks: marks) == 700)
        #expect(LogHistory.validThrough(appliedUnder: "h-2", marks: marks) == 700)
    }

    @Test func aHistoryNoLongerListedHoldsNothing() {
        #expect(LogHistory.validThrough(appliedUnder: "h-0", marks: marks) == 0)
    }
}
