/// The message keys check 3 matched most recently, with the matched send's pid and seq: a key seen again while it
/// is here is a second receive of one message, or a second send of its id (§4.3). The last `window` keys that
/// became recent are kept (a key matched again while here keeps its place); older ones are forgotten.
///
/// Exact: keys compare their message ids, never just hashes. Compact: an ASCII id of up to 32 bytes is kept inline,
/// without the string.
struct RecentMatches {
    /// A message id as the window keeps it.
    enum CompactID: Equatable {
        /// The id's ASCII bytes in four words (in memory order), and their count.
        case inline(UInt64, UInt64, UInt64, UInt64, count: UInt8)
        /// Any other id.
        case text(String)

        init(_ id: String) {
            var id = id
            self = id.withUTF8 { Self.packed($0) } ?? .text(id)
        }

        private static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> CompactID? {
            guard bytes.count <= 32 else { return nil }
            var high: UInt8 = 0
            for byte in bytes { high |= byte }
            guard high < 0x80 else { return nil }
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
            return .inline(words.0, words.1, words.2, words.3, count: UInt8(bytes.count))
        }

        /// The id as a string.
        var text: String {
            switch self {
            case .text(let text): return text
            case .inline(let w0, let w1, let w2, let w3, let count):
                return withUnsafeBytes(of: (w0, w1, w2, w3)) { words in
                    String(decoding: words.prefix(Int(count)), as: UTF8.self)
                }
            }
        }

        static func == (lhs: CompactID, rhs: CompactID) -> Bool {
            switch (lhs, rhs) {
            case (.inline(let a0, let a1, let a2, let a3, let a), .inline(let b0, let b1, let b2, let b3, let b)):
                return a == b && a0 == b0 && a1 == b1 && a2 == b2 && a3 == b3
            case (.text(let left), .text(let right)): return left == right
            // An ASCII id equals a non-ASCII one when they are canonically equivalent (U+212A KELVIN SIGN is K).
            default: return lhs.text == rhs.text
            }
        }
    }

    private struct Key: HashedKey {
        let hash64: UInt64
        let id: CompactID
        let sender: Int32
        let receiver: Int32
        let reply: Bool

        init(_ key: PairKey) {
            hash64 = key.hash64
            id = CompactID(key.msg)
            sender = key.sender
            receiver = key.receiver
            reply = key.reply
        }
    }

    private struct Match {
        var pid: Int32
        var seq: UInt64
        /// The key was the `serial`-th to become recent.
        var serial: Int
    }

    private var table = HashedTable<Key, Match>()
    /// Keys that became recent so far.
    private var added = 0
    let window: Int

    init(window: Int) { self.window = window }

    /// A match of `key` is recent: true for the last `window` keys that became recent.
    private func isRecent(_ match: Match) -> Bool { match.serial >= added - window }

    /// The send of the recent match of `key`, if any.
    func match(_ key: PairKey) -> (pid: Int32, seq: UInt64)? {
        guard let match = table[Key(key)], isRecent(match) else { return nil }
        return (match.pid, match.seq)
    }

    /// `key` was matched with a send of `pid` and `seq`.
    mutating func remember(_ key: PairKey, pid: Int32, seq: UInt64) {
        let added = self.added
        let window = self.window
        let renewed = table.modify(
            Key(key), default: { Match(pid: pid, seq: seq, serial: added) }, removingIf: { _ in false }
        ) { match in
            guard match.serial != added else { return false }
            let recent = match.serial >= added - window
            match = Match(pid: pid, seq: seq, serial: recent ? match.serial : added)
            return recent
        }
        guard !renewed else { return }
        self.added += 1
        // Forget the keys that left the window, a quarter window at a time.
        if self.added % max(window / 4, 1) == 0 {
            let oldest = self.added - window
            table.removeAll { $1.serial < oldest }
        }
    }
}
