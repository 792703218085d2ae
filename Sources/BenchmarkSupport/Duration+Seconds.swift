extension Duration {
    /// The duration in seconds, for rates (changes per second and the like).
    public var asSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
