import CCrypto
import Foundation

/// SHA-256 of a byte string (OpenSSL's libcrypto), as 64 lowercase hex digits. Used to remember which body an
/// `Idempotency-Key` was first sent with, without keeping the body (it holds card data).
enum SHA256Digest {
    /// The digest of `data` in lowercase hex.
    static func hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBytes { bytes in
            _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &digest)
        }
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
