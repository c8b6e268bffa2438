extension BookCatalog {
    /// Longest typed title considered; longer input is cut (keeps matching cheap on hostile input).
    static let maximumTypedLength = 200

    /// The catalog book a customer meant by `typedTitle`, or nil when nothing matches clearly.
    ///
    /// Both sides are normalized by `TitleNormalizer` (case, diacritics, punctuation, leading article). Then, in
    /// order, the first rule that decides wins:
    /// 1. exact: the normalized title, or the title without spaces, or the title before its subtitle, equals it;
    /// 2. prefix: at least 6 characters typed (so "Book" alone is no prefix of "The Book Thief") and exactly
    ///    one title starts with them;
    /// 3. typo: at least 8 characters typed and exactly one title (or main title) within edit distance 2
    ///    (3 from 20 characters on) of them, nearer than any other;
    /// 4. words: at least two meaningful words typed and exactly one title whose meaningful words overlap
    ///    them best, with a Jaccard overlap of at least 0.6.
    /// Ambiguous input ("Harry Potter") and gibberish ("Book A") give nil.
    public func match(_ typedTitle: String) -> Book? {
        matchPosition(typedTitle).map { books[$0] }
    }

    /// The catalog position of the book `match(_:)` finds for `typedTitle`.
    func matchPosition(_ typedTitle: String) -> Int? {
        let query = TitleNormalizer.normalize(String(typedTitle.prefix(Self.maximumTypedLength)))
        guard !query.isEmpty else { return nil }
        return exactMatch(query) ?? prefixMatch(query) ?? typoMatch(query) ?? wordMatch(query)
    }

    /// The first title equal to `query` or, without spaces, to `query` without spaces; else the only title whose
    /// main title is `query`. Lookups in tables made with the catalog.
    func exactMatch(_ query: String) -> Int? {
        let byFull = firstByFull[query]
        let byCompact = firstByCompact[TitleNormalizer.compact(query)]
        if let first = [byFull, byCompact].compactMap({ $0 }).min() { return first }
        return unique(positionsByMain[query] ?? [])
    }

    func prefixMatch(_ query: String) -> Int? {
        guard query.count >= 6 else { return nil }
        let typed = Array(query.utf8)
        let typedIsASCII = typed.allSatisfy { $0 < 0x80 }
        var found: Int?
        for (position, key) in keys.enumerated() {
            // ASCII on both sides: a byte prefix is a character prefix (String.hasPrefix costs ~1k instructions).
            let isPrefix =
                typedIsASCII && key.fullIsASCII
                ? key.fullBytes.count >= typed.count && key.fullBytes.starts(with: typed) : key.full.hasPrefix(query)
            guard isPrefix else { continue }
            guard found == nil else { return nil }  // a second title: ambiguous
            found = position
        }
        return found
    }

    private func typoMatch(_ query: String) -> Int? {
        guard query.count >= 8 else { return nil }
        let limit = query.count >= 20 ? 3 : 2
        let typed = Array(query.utf8)
        var bestDistance = limit
        var positions: [Int] = []
        for (position, key) in keys.enumerated() {
            let distances = [key.fullBytes, key.mainBytes].compactMap {
                EditDistance.bounded(typed, $0, limit: bestDistance)
            }
            guard let distance = distances.min() else { continue }
            if distance < bestDistance {
                bestDistance = distance
                positions = [position]
            } else {
                positions.append(position)
            }
        }
        return unique(positions)
    }

    private func wordMatch(_ query: String) -> Int? {
        let typed = TitleNormalizer.significantTokens(of: query)
        guard typed.count >= 2 else { return nil }
        var best: (overlap: Double, positions: [Int]) = (0.6, [])
        for (position, key) in keys.enumerated() {
            let shared = key.tokens.intersection(typed).count
            guard shared > 0 else { continue }
            let overlap = Double(shared) / Double(key.tokens.union(typed).count)
            if overlap > best.overlap {
                best = (overlap, [position])
            } else if overlap == best.overlap {
                best.positions.append(position)
            }
        }
        return unique(best.positions)
    }

    /// The single position in `positions`, or nil when there are none or several.
    private func unique(_ positions: [Int]) -> Int? {
        positions.count == 1 ? positions[0] : nil
    }
}
