import Foundation
import Storage
public import SyncCore

/// Digests of a stopped or running process's store, read from its SQLite
/// file (WAL lets a reader in beside the writer): equal digests, equal
/// merge state (SPEC §12.4). `mall-node digest` and `mall-hub digest` print
/// these. Event rows past their retention now are left out (SPEC §12.1).
/// The store is read as it is: one its process has not upgraded yet is
/// refused, never migrated under that process.
public enum ReplicaDigests {
    public struct MissingStore: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "no store at \(path) (has the process run with this configuration?)" }
    }

    /// The digests of a node's replica, of the channels its role replicates.
    public static func read(path: String, schema: SyncSchema, role: Role, mall: String, now: UInt64) throws -> [(
        String, String
    )] {
        guard FileManager.default.fileExists(atPath: path) else { throw MissingStore(path: path) }
        let replica = try SQLiteReplica(readingPath: path, schema: schema)
        return try schema.channels(of: role, in: mall).map {
            let floor = try replica.collectedFloor(of: $0)
            return (
                $0.description, ReplicaDigest.of(try replica.rows(in: $0), floor: floor, schema: schema, now: now)
            )
        }
    }

    /// The digests of the hub's store, of every channel a member of the
    /// fleet replicates.
    public static func readHub(
        path: String, schema: SyncSchema, fleet: [(mall: String, role: Role)], now: UInt64
    ) throws -> [(
        String, String
    )] {
        guard FileManager.default.fileExists(atPath: path) else { throw MissingStore(path: path) }
        let store = try SQLiteHubStore(readingPath: path, schema: schema)
        let channels = Set(fleet.flatMap { schema.channels(of: $0.role, in: $0.mall) }).sorted()
        return try channels.map {
            let floor = try store.floor(of: $0)
            return (
                $0.description, ReplicaDigest.of(try store.rows(in: $0), floor: floor, schema: schema, now: now)
            )
        }
    }
}
