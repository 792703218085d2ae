import BrokerHarness
import Foundation
import Testing

/// A child started from a thread that blocks SIGTERM still ends on SIGTERM:
/// it must not inherit the mask, or a broker's graceful stop (which saves
/// its persistence) never reaches it and ends in SIGKILL.
@Suite struct ChildProcessSignalTests {
    @Test func aChildOfAThreadBlockingSIGTERMStillEndsOnIt() async throws {
        let child = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var blocked = sigset_t()
                sigemptyset(&blocked)
                sigaddset(&blocked, SIGTERM)
                pthread_sigmask(SIG_BLOCK, &blocked, nil)
                continuation.resume(with: Result { try ChildProcess(executable: "/bin/sleep", arguments: ["60"]) })
            }
        }
        await child.stopped(grace: 5)
        let status = child.waitForExit()
        // Ended by a signal (WIFSIGNALED), and that signal was SIGTERM, not the SIGKILL after the grace.
        #expect(status & 0x7f == SIGTERM)
    }
}
