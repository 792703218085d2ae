public import Transport

extension MosquittoClient {
    /// How to reach the broker and how hard to push it.
    ///
    /// - `host`, `port`: the broker (default 127.0.0.1:1883).
    /// - `keepAliveSeconds`: MQTT keep-alive; a dead link is noticed after 1.5× this (default 30).
    /// - `username`, `password`: MQTT credentials, when the broker requires them.
    /// - `tls`: CA file and, for client-certificate authentication, certificate and key.
    /// - `maxInFlight`: QoS 1 messages sent and not yet acknowledged, in each direction
    ///   (MQTT 5 send/receive maximum; default 500). 0 means "unlimited" to libmosquitto,
    ///   which collapses throughput to ~1.5k msg/s on this machine, so it is refused.
    /// - `maxAwaitingAck`: publishes waiting for a PUBACK in this process before
    ///   `publish` waits for room (default 2,000); libmosquitto would otherwise
    ///   queue without bound in memory.
    /// - `sessionExpirySeconds`: how long the broker keeps the session while the
    ///   client is away (default 7 days).
    /// - `backoff`: reconnect delays (jittered exponential, 250 ms to 15 s).
    public struct Options: Sendable {
        public struct TLS: Sendable, Hashable {
            public var caFile: String
            public var certificateFile: String?
            public var keyFile: String?

            public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
                self.caFile = caFile
                self.certificateFile = certificateFile
                self.keyFile = keyFile
            }
        }

        public var host: String
        public var port: Int
        public var keepAliveSeconds: Int
        public var username: String?
        public var password: String?
        public var tls: TLS?
        public var maxInFlight: Int
        public var maxAwaitingAck: Int
        public var sessionExpirySeconds: UInt32
        public var backoff: ReconnectBackoff

        public init(
            host: String = "127.0.0.1", port: Int = 1883, keepAliveSeconds: Int = 30, username: String? = nil,
            password: String? = nil, tls: TLS? = nil, maxInFlight: Int = 500, maxAwaitingAck: Int = 2000,
            sessionExpirySeconds: UInt32 = 7 * 24 * 3600, backoff: ReconnectBackoff = ReconnectBackoff()
        ) {
            self.host = host
            self.port = port
            self.keepAliveSeconds = keepAliveSeconds
            self.username = username
            self.password = password
            self.tls = tls
            self.maxInFlight = maxInFlight
            self.maxAwaitingAck = maxAwaitingAck
            self.sessionExpirySeconds = sessionExpirySeconds
            self.backoff = backoff
        }
    }
}
