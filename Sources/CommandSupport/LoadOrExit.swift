public import ArgumentParser
import Foundation
public import Logging

/// Loads a configuration file, or says what is wrong with it on stderr and
/// exits with EX_CONFIG (78): a broken file never ends in a stack trace.
public func loadOrExit<Settings>(tool: String, _ load: () throws -> Settings) throws -> Settings {
    do {
        return try load()
    } catch {
        FileHandle.standardError.write(Data("\(tool): configuration error: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

/// Logs go to standard output (the service manager's journal) at `level`.
public func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardOutput(label: label)
        handler.logLevel = level
        return handler
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
