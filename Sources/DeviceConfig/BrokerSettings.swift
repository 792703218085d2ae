import Foundation
public import MosquittoTransport

/// The `[mqtt]` section, shared by node and hub files.
///
/// | key | type | default | meaning |
/// |---|---|---|---|
/// | `host` | string | `"127.0.0.1"` | broker address |
/// | `port` | integer | `1883` | broker port |
/// | `client_id` | string | the device id | MQTT client id; the broker keeps the session under it |
/// | `username` | string | none | MQTT user (the production ACL keys on it) |
/// | `password_file` | string | none | file holding the password (never the password itself) |
/// | `keepalive_seconds` | integer | `30` | a dead link is noticed after 1.5× this |
/// | `max_inflight` | integer 10–65535 | `500` | unacknowledged QoS 1 messages each way |
/// | `session_expiry_hours` | integer | `168` | how long the broker keeps an absent client's session |
/// | `tls_ca_file`, `tls_cert_file`, `tls_key_file` | string | none | TLS (CA) and client-certificate auth |
public struct BrokerSettings: Sendable {
    public var clientID: String
    public var options: MosquittoClient.Options

    /// With `checkingFiles` off, files named by keys are not opened (examples
    /// checked away from the device they are for).
    static func read(_ reader: inout ConfigReader, defaultClientID: String, checkingFiles: Bool) throws(ConfigError)
        -> BrokerSettings
    {
        var mqtt = try reader.section("mqtt")
        var options = MosquittoClient.Options()
        options.host = try mqtt.string("host", default: options.host)
        options.port = try mqtt.int("port", in: 1...65_535, default: options.port)
        let clientID = try mqtt.string(
            "client_id", default: defaultClientID, expected: "1-64 letters, digits, '-', '_' or '.'",
            valid: { !$0.isEmpty && $0.utf8.count <= 64 })
        options.username = try mqtt.optionalString("username")
        if let passwordFile = try mqtt.optionalString("password_file"), checkingFiles {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw mqtt.failure("password_file", "cannot read \(passwordFile)")
            }
            options.password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        options.keepAliveSeconds = try mqtt.int("keepalive_seconds", in: 5...3600, default: options.keepAliveSeconds)
        options.maxInFlight = try mqtt.int("max_inflight", in: 10...65_535, default: options.maxInFlight)
        options.sessionExpirySeconds =
            UInt32(try mqtt.int("session_expiry_hours", in: 1...(24 * 365), default: 168)) * 3600
        if let caFile = try mqtt.optionalString("tls_ca_file") {
            options.tls = .init(
                caFile: caFile, certificateFile: try mqtt.optionalString("tls_cert_file"),
                keyFile: try mqtt.optionalString("tls_key_file"))
            for file in [options.tls!.caFile, options.tls!.certificateFile, options.tls!.keyFile].compactMap({ $0 })
            where checkingFiles && !FileManager.default.isReadableFile(atPath: file) {
                throw mqtt.failure("tls_ca_file", "cannot read \(file)")
            }
        }
        try mqtt.rejectUnknownKeys()
        return BrokerSettings(clientID: clientID, options: options)
    }
}
