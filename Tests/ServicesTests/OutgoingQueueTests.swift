import Services
import Testing
import Transport

@Suite struct OutgoingQueueTests {
    func message(_ i: Int) -> TransportMessage { TransportMessage(topic: "t", payload: [UInt8(i % 256)]) }

    @Test func takesEverythingWaitingInOrder() async {
        let queue = OutgoingQueue(capacity: 100)
        queue.push([message(1), message(2)])
        queue.push([message(3)])
        #expect(await queue.next().map(\.payload) == [[1], [2], [3]])
        #expect(queue.depth == 0)
    }

    @Test func staysBoundedWhenNobodyTakesDroppingTheOldest() async {
        let queue = OutgoingQueue(capacity: 10)
        for i in 0..<25 { queue.push([message(i)]) }
        #expect(queue.depth == 10)
        #expect(queue.dropped == 15)
        #expect(await queue.next().first?.payload == [15])
    }

    @Test func aWaitingPublisherWakesOnPushAndEndsOnClose() async {
        let queue = OutgoingQueue()
        async let first = queue.next()
        while !queue.publisherWaits { await Task.yield() }
        queue.push([message(7)])
        #expect(await first.map(\.payload) == [[7]])
        async let last = queue.next()
        while !queue.publisherWaits { await Task.yield() }
        queue.close()
        #expect(await last.isEmpty)
    }
}
