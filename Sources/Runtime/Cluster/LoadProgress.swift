/// The load generator's progress line (pure text; the CLI draws it on stderr when stderr is a terminal).
public enum LoadProgress {
    /// `[██████······] 45% 4500/10000 982/s`: a bar of `width` cells, the share done, the count, and the rate so far.
    public static func line(done: Int, total: Int, elapsedSeconds: Double, width: Int = 30) -> String {
        let total = max(1, total)
        let done = min(max(0, done), total)
        let cells = max(1, width)
        let filled = cells * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: cells - filled)
        let rate = elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0
        let perSecond = rate.isFinite ? Int(rate.rounded()) : 0
        return "[\(bar)] \(done * 100 / total)% \(done)/\(total) \(perSecond)/s"
    }

    /// True when the line should be redrawn: at least `interval` nanoseconds after the last draw, or at the end.
    public static func due(
        now: UInt64, lastDrawn: UInt64?, done: Int, total: Int, interval: UInt64 = 100_000_000
    )
        -> Bool
    {
        guard let lastDrawn else { return true }
        return done >= total || now >= lastDrawn &+ interval
    }
}
