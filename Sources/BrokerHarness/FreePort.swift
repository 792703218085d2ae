import Foundation
import Synchronization

/// Loopback ports for servers that tests start: another broker may already
/// listen on a "usual" port, so tests always ask the kernel for a free one.
public enum FreePort {
    /// Ports this process has handed out: a port released by one test must
    /// not be handed to another while the first is still about to bind it.
    private static let issued = Mutex<Set<Int>>([])

    /// A port that was free a moment ago (bound to 127.0.0.1:0, then
    /// released) and that no other test of this process was given.
    public static func next() throws -> Int {
        for _ in 0..<100 {
            let port = try kernelChoice()
            if issued.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw MosquittoBroker.Failure(description: "no fresh loopback port after 100 tries")
    }

    private static func kernelChoice() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MosquittoBroker.Failure(description: "socket(): errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw MosquittoBroker.Failure(description: "bind(): errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
