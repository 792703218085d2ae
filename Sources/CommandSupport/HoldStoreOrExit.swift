import ArgumentParser
import Foundation
public import Storage

/// Takes the store's lock for the life of the process, or says which
/// process holds it on stderr and exits with EX_TEMPFAIL (75): a second hub
/// or node on one file, or a restore under a running hub, would damage it.
public func holdStoreOrExit(tool: String, path: String) throws -> StoreLock {
    do {
        return try StoreLock(storePath: path)
    } catch {
        FileHandle.standardError.write(Data("\(tool): cannot take the store: \(error)\n".utf8))
        throw ExitCode(75)
    }
}
