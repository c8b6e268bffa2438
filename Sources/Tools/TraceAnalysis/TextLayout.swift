/// Small helpers for fixed-width terminal text.
public enum TextLayout {
    /// Pads (or cuts, with `…`) `text` to `width` characters.
    public static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        if text.count > width { return width > 1 ? String(text.prefix(width - 1)) + "…" : String(text.prefix(width)) }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    /// Cuts `text` to at most `width` characters, ending in `…` when cut.
    public static func fit(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
    }

    /// `12.345 ms`, `1.2 s`, `850 µs` for a duration in nanoseconds.
    public static func duration(_ nanos: Int64) -> String {
        let value = Double(nanos)
        if abs(value) >= 1e9 { return decimal(value / 1e9, 3) + " s" }
        if abs(value) >= 1e6 { return decimal(value / 1e6, 1) + " ms" }
        return decimal(value / 1e3, 0) + " µs"
    }

    /// A fixed-point decimal without Foundation formatting (deterministic on every platform).
    public static func decimal(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let digitsText = String(fraction)
            text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
        }
        return text
    }

    /// Splits `text` into lines of at most `width` characters, breaking after `breakAt` (spaces by default);
    /// continuation lines start with `indent`.
    public static func wrap(_ text: String, width: Int, indent: String, breakAt: Character = " ") -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        var prefix = ""
        while prefix.count + rest.count > width {
            let room = width - prefix.count
            let window = rest.prefix(room)
            guard let cut = window.lastIndex(of: breakAt), cut > window.startIndex else { break }
            let end = breakAt == " " ? cut : rest.index(after: cut)
            lines.append(prefix + rest[..<end])
            rest = rest[rest.index(after: cut)...]
            if breakAt == " " { rest = rest.drop { $0 == " " } }
            prefix = indent
        }
        lines.append(prefix + rest)
        return lines
    }
}
