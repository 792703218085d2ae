public import Foundation

/// A throwaway certificate authority for tests, made with openssl: a broker
/// certificate for 127.0.0.1 and a client certificate per name (common name
/// = the name), as `<name>.crt` and `<name>.key` beside `ca.crt`.
public enum TestCertificates {
    /// The broker's lines for a TLS listener with these certificates, as
    /// `deploy/mosquitto/mall.conf` has them.
    public static func brokerSettings(_ directory: URL) -> [String] {
        let path = directory.path
        return [
            "cafile \(path)/ca.crt", "certfile \(path)/broker.crt", "keyfile \(path)/broker.key",
            "tls_version tlsv1.2",
        ]
    }

    /// Makes the CA, the broker's certificate and one per client in `directory`
    /// (a new one under the temporary directory when nil).
    @discardableResult
    public static func make(clients: [String] = [], in directory: URL? = nil) async throws -> URL {
        let directory =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=MallEdge test CA'
            printf 'subjectAltName=IP:127.0.0.1\\n' > broker.ext
            openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj '/CN=127.0.0.1'
            openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt -days 2 \
              -extfile broker.ext

            """
        for client in clients {
            script += """
                openssl req -newkey rsa:2048 -nodes -keyout \(client).key -out \(client).csr -subj '/CN=\(client)'
                openssl x509 -req -in \(client).csr -CA ca.crt -CAkey ca.key -CAcreateserial -out \(client).crt -days 2

                """
        }
        script += "chmod 644 *.key\n"
        let process = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", script],
            outputFile: directory.appendingPathComponent("openssl.log").path)
        guard await process.exited() == 0 else {
            throw MosquittoBroker.Failure(description: "openssl failed in \(directory.path)")
        }
        return directory
    }
}
