import CCrypto
import Foundation

/// SHA-256 of a byte string (OpenSSL's libcrypto), as 64 lowercase hex digits. Used to remember which body an
/// `Idempotency-Key` was first sent with, without keeping the body (it holds card data).
enum SHA256Digest {
    /// The SHA-256 implementation, fetched from OpenSSL's provider once: `SHA256()` fetches it again on every call
    /// (a name lookup in the provider store, under its locks), which cost about as much as hashing a checkout body.
    /// Nil when the fetch fails; `hex` then falls back to `SHA256()`. A fetched `EVP_MD` may be used by any thread.
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// The digest of `data` in lowercase hex.
    static func hex(_ data: Data) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(SHA256_DIGEST_LENGTH)) { digest in
            data.withUnsafeBytes { bytes in
                if let algorithm = Self.algorithm,
                    EVP_Digest(bytes.baseAddress, bytes.count, digest.baseAddress, nil, algorithm, nil) == 1
                {
                    return
                }
                _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, digest.baseAddress)
            }
            return String(unsafeUninitializedCapacity: digest.count * 2) { text in
                let digits: StaticString = "0123456789abcdef"
                digits.withUTF8Buffer { digits in
                    for (index, byte) in digest.enumerated() {
                        text[2 * index] = digits[Int(byte >> 4)]
                        text[2 * index + 1] = digits[Int(byte & 0x0F)]
                    }
                }
                return digest.count * 2
            }
        }
    }
}
