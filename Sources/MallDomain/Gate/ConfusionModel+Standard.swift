extension ConfusionModel {
    /// The default table, a starting point until a mall fits its own: the
    /// confusions ANPR cameras are known for, with rates per occurrence of
    /// the true character (each pair both ways unless one way is listed).
    ///
    /// | characters | rate each way |
    /// |---|---|
    /// | 0/D, 8/B, 1→7 | 0.010 (7→1 0.006) |
    /// | 2/Z, 5/S, 1→I, 0→O | 0.008 (one way: I and O are never serial characters) |
    /// | 0/Q, 6/G, A/4 | 0.006 |
    /// | D/Q, D→O | 0.004 |
    /// | 1/T, 3/8, C/G, E/F, M/N, P/R, U/V, Q→O | 0.003 |
    /// | 6/8, K/X | 0.002 |
    /// | province look-alikes 津/沪/渝/浙 (the water radical), 贵/青, 冀/豫; suffixes 港/澳 | 0.001–0.002 |
    ///
    /// Every other substitution within an alphabet: 0.00005. Digits weigh
    /// 5.5 against a letter's 1: on the 66,873 CCPD plates a serial digit is
    /// 7.2 % of serial characters on average, a letter 1.3 %. By position the
    /// serial differs widely, so the table weighs digits by position as on
    /// those plates: 1.0 at the first serial character (any one letter as
    /// likely as any one digit), 4.1, 8.9, 23.3 and 9.2 at the next four.
    public static let standard: ConfusionModel = {
        let bothWays: [(Character, Character, Double)] = [
            ("0", "D", 0.010), ("8", "B", 0.010), ("2", "Z", 0.008), ("5", "S", 0.008), ("0", "Q", 0.006),
            ("6", "G", 0.006), ("A", "4", 0.006), ("D", "Q", 0.004), ("1", "T", 0.003), ("3", "8", 0.003),
            ("C", "G", 0.003), ("E", "F", 0.003), ("M", "N", 0.003), ("P", "R", 0.003), ("U", "V", 0.003),
            ("6", "8", 0.002), ("K", "X", 0.002),
            ("津", "沪", 0.002), ("沪", "渝", 0.002), ("津", "渝", 0.001), ("浙", "沪", 0.001), ("贵", "青", 0.002),
            ("冀", "豫", 0.001), ("港", "澳", 0.002),
        ]
        let oneWay: [(Character, Character, Double)] = [
            ("1", "7", 0.010), ("7", "1", 0.006), ("1", "I", 0.008), ("0", "O", 0.008), ("D", "O", 0.004),
            ("Q", "O", 0.003),
        ]
        let confusions =
            bothWays.flatMap { a, b, rate in
                [Confusion(truth: a, read: b, rate: rate), Confusion(truth: b, read: a, rate: rate)]
            } + oneWay.map { Confusion(truth: $0.0, read: $0.1, rate: $0.2) }
        // The table above is valid by construction; a test decodes it too.
        func digits(_ weight: Double) -> [Character: Double] {
            Dictionary(uniqueKeysWithValues: "0123456789".map { ($0, weight) })
        }
        let byPosition = [2: 1.0, 3: 4.1, 4: 8.9, 5: 23.3, 6: 9.2].mapValues(digits)
        return try! ConfusionModel(
            confusions: confusions, otherRate: 0.00005, weights: digits(5.5), positionWeights: byPosition)
    }()
}
