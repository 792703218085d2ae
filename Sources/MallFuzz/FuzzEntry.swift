import Foundation

/// libFuzzer's entry point, when built with `--sanitize=fuzzer`
/// (`deploy/scripts/fuzz.sh`): one input to the target `MALLEDGE_FUZZ` names.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzTarget.current.run(start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    return 0
}

#if !FUZZING
    /// Without libFuzzer (an ordinary build): replays the files given as
    /// arguments through the target, so a finding becomes a regression run.
    @main
    enum MallFuzz {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("mall-fuzz: cannot read \(path)\n".utf8))
                    exit(66)
                }
                FuzzTarget.current.run(Array(data))
            }
            print("\(CommandLine.arguments.count - 1) inputs replayed through \(FuzzTarget.current.rawValue)")
        }
    }
#endif
