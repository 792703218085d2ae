import ArgumentParser
import Foundation
import MallDomain

extension MallHub {
    struct HashPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password",
            abstract: "Print the password_hash of a console operator (reads the password from standard input).")

        func run() throws {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                FileHandle.standardError.write(Data("mall-hub: give the password on standard input\n".utf8))
                throw ExitCode(65)
            }
            print(try PINHash.make(pin: password))
        }
    }
}
