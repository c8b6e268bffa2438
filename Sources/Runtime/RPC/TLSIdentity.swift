import Foundation

/// A server's TLS certificate chain and private key (PEM text), read from files.
public struct TLSIdentity: Sendable, Equatable {
    public var certificatePEM: String
    public var privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Why an identity could not be loaded.
    public struct LoadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot load TLS identity from \(path): \(reason)" }
    }

    /// Reads the certificate chain and key from PEM files (each at most 1 MiB).
    public static func load(certificateFile: String, keyFile: String) throws(LoadError) -> TLSIdentity {
        TLSIdentity(
            certificatePEM: try readPEM(certificateFile, marker: "CERTIFICATE"),
            privateKeyPEM: try readPEM(keyFile, marker: "PRIVATE KEY"))
    }

    private static func readPEM(_ path: String, marker: String) throws(LoadError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(path: path, reason: error.localizedDescription)
        }
        guard data.count <= 1 << 20, let text = String(data: data, encoding: .utf8) else {
            throw LoadError(path: path, reason: "not a PEM file of at most 1 MiB")
        }
        guard text.contains("-----BEGIN"), text.contains(marker) else {
            throw LoadError(path: path, reason: "no PEM block with \(marker)")
        }
        return text
    }
}
