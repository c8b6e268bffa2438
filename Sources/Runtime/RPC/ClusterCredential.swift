import Foundation

/// The per-cluster secret that internal RPCs present as `Authorization: Bearer <secret>`.
///
/// The secret is printable ASCII without spaces (it travels in a header), 16 to 512 bytes. Servers compare
/// what a caller presents with `accepts(authorization:)`, which takes the same time whatever the bytes are.
public struct ClusterCredential: Sendable, Equatable, CustomStringConvertible {
    /// Environment variable holding the secret itself.
    public static let secretEnvironment = "BOOKSTORE_CLUSTER_SECRET"
    /// Environment variable naming a file that holds the secret.
    public static let secretFileEnvironment = "BOOKSTORE_CLUSTER_SECRET_FILE"
    /// The longest `Authorization` header a server reads.
    public static let maxHeaderBytes = 600

    private let secret: [UInt8]

    /// A credential from secret text (surrounding whitespace is dropped). Throws when it is too short,
    /// too long, or has characters that cannot travel in a header.
    public init(secret text: String) throws(CredentialError) {
        let trimmed = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard trimmed.count >= 16 else { throw .invalid("the cluster secret must have at least 16 characters") }
        guard trimmed.count <= 512 else { throw .invalid("the cluster secret must have at most 512 characters") }
        guard trimmed.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalid("the cluster secret must be printable ASCII without spaces")
        }
        secret = trimmed
    }

    /// A fresh random secret: 32 bytes from the system's random source, as 64 hex digits.
    public static func generate() -> ClusterCredential {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<4 {
            let word = generator.next()
            for shift in stride(from: 60, through: 0, by: -4) {
                text.append(digits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        // 64 hex digits always satisfy the rules above.
        return try! ClusterCredential(secret: String(decoding: text, as: UTF8.self))
    }

    /// Reads a secret file (the whole file, whitespace trimmed).
    public static func read(file path: String) throws(CredentialError) -> ClusterCredential {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalid("cannot read the cluster secret file \(path): \(error.localizedDescription)")
        }
        do {
            return try ClusterCredential(secret: text)
        } catch {
            throw .invalid("\(path): \(error.description)")
        }
    }

    /// The credential the environment gives (`BOOKSTORE_CLUSTER_SECRET`, else the file named by
    /// `BOOKSTORE_CLUSTER_SECRET_FILE`), nil when neither is set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CredentialError) -> ClusterCredential? {
        if let secret = environment[secretEnvironment], !secret.isEmpty { return try ClusterCredential(secret: secret) }
        if let file = environment[secretFileEnvironment], !file.isEmpty { return try read(file: file) }
        return nil
    }

    /// Writes the secret to `path` with mode 0600 (created or replaced).
    public func write(to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw CredentialError.invalid("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(secret + [0x0A]))
    }

    /// The header a client sends.
    public var authorizationHeader: (String, String) {
        ("Authorization", "Bearer " + String(decoding: secret, as: UTF8.self))
    }

    private static let bearerScheme = Array("Bearer ".utf8)

    /// True when `authorization` is `Bearer <this secret>`. The comparison of the secret takes the same time
    /// whatever the presented bytes are (it never stops at the first difference).
    public func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8.prefix(Self.maxHeaderBytes + 1))
        let scheme = Self.bearerScheme
        guard bytes.count <= Self.maxHeaderBytes, bytes.count >= scheme.count,
            bytes[..<scheme.count].elementsEqual(scheme)
        else { return false }
        return Self.constantTimeEquals(Array(bytes[scheme.count...]), secret)
    }

    /// Compares two byte strings in time that depends only on the length of `expected`.
    public static func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        guard !expected.isEmpty else { return false }
        var difference: UInt64 = UInt64(truncatingIfNeeded: presented.count ^ expected.count)
        let count = presented.count
        for index in 0..<expected.count {
            let byte = count == 0 ? 0 : presented[index % count]
            difference |= UInt64(byte ^ expected[index])
        }
        return difference == 0
    }

    /// Never the secret itself.
    public var description: String { "ClusterCredential(\(secret.count) bytes)" }
}

/// Why a cluster secret could not be used.
public enum CredentialError: Error, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        }
    }
}
