import CTOML

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs TOMLKit's parser (toml++ 3) on a file's text in a forked child before
/// this process parses it. toml++ asserts on some malformed files instead of
/// failing with an error (`x =[[` then a line `}[[` reaches `parse_value` on a
/// value terminator; keyless table headers did too): the assertion aborts the
/// whole process, and with `NDEBUG` it would be undefined behaviour instead.
/// A guard for each known input would only cover the inputs found so far;
/// the child covers the class. If the parser dies in the child, the file is
/// refused with the first line whose prefix already kills it.
///
/// The child runs only C and C++ code (toml++ through TOMLKit's C shim) and
/// `_exit`s: everything Swift it needs is made before the fork. Swift code in
/// the child could wait forever for a lock of the Swift runtime that another
/// thread held at the fork (seen in the tests, which load configurations
/// from many threads: the probe timed out); malloc's locks glibc's `fork`
/// makes safe. It costs one fork per configuration load (startup only),
/// about a millisecond.
enum ParserProbe {
    /// Why the parser could not be trusted with `text`, or nil when it
    /// returned (a result or an error) in the child.
    static func failure(of text: String) -> String? {
        guard let death = death(parsing: text) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The smallest prefix of whole lines that still kills the parser: the
        // parser reads forwards, so a prefix that ends before the bad bracket
        // ends in an ordinary error instead.
        var survives = 0
        var dies = lines.count
        while dies - survives > 1 {
            let middle = (survives + dies) / 2
            if self.death(parsing: lines[..<middle].joined(separator: "\n")) == nil {
                survives = middle
            } else {
                dies = middle
            }
        }
        return "not valid TOML at or before line \(dies): the TOML parser \(death) on this file "
            + "(check the brackets of the arrays and table headers there)"
    }

    /// How the parser died on `text` in a child, or nil if it returned.
    private static func death(parsing text: String) -> String? {
        let document = strdup(text)
        let error = UnsafeMutablePointer<CTOMLParseError>.allocate(capacity: 1)
        defer {
            free(document)
            error.deallocate()
        }
        guard let document else { return nil }
        let child = fork()
        if child == 0 {
            // The parent's crash handlers (libFuzzer's, for one) must not run
            // here, and the assertion's message is not this process's to print.
            _ = signal(SIGABRT, SIG_DFL)
            _ = signal(SIGSEGV, SIG_DFL)
            _ = signal(SIGBUS, SIG_DFL)
            _ = signal(SIGILL, SIG_DFL)
            _ = signal(SIGFPE, SIG_DFL)
            _ = signal(SIGTRAP, SIG_DFL)
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { _ = dup2(null, STDERR_FILENO) }
            _ = tableCreateFromString(document, error)
            _exit(0)
        }
        // No child (out of processes): parse in this process, as before the probe.
        guard child > 0 else { return nil }
        var status: Int32 = 0
        var waited = 0
        while waitpid(child, &status, WNOHANG) == 0 {
            // A parser that loops on a small file is as broken as one that aborts.
            if waited >= 5_000 {
                kill(child, SIGKILL)
                _ = waitpid(child, &status, 0)
                return "did not finish in 5 s"
            }
            usleep(1_000)
            waited += 1
        }
        let killedBy = status & 0x7F
        if killedBy == 0 { return status >> 8 & 0xFF == 0 ? nil : "exited with status \(status >> 8 & 0xFF)" }
        return "crashed (signal \(killedBy))"
    }
}
