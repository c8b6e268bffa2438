/// Checked reads of one event's `data`, for payload decoders. An absent field or JSON `null` is "missing"; any
/// other value of the wrong JSON type, or a number out of the payload's bounds, is an error, never coerced.
public struct PayloadFields: Sendable {
    /// The raw `data` object, when given as a dictionary (empty when given as a list).
    @usableFromInline let dictionary: [String: TraceValue]
    /// The `data` object's fields in line order, when given as a list (`init(list:kind:)`); empty otherwise.
    @usableFromInline let list: [(name: String, value: TraceValue)]
    /// The kind being decoded (named in errors).
    public let kind: EventKind

    @inlinable
    public init(_ data: [String: TraceValue], kind: EventKind) {
        dictionary = data
        list = []
        self.kind = kind
    }

    /// The fields of a `data` object in the order its line holds them, as a reader took them from the bytes without
    /// building a dictionary (a few fields: a search is cheaper than hashing). A name given twice counts with its
    /// last value, as in the dictionary the line decodes to.
    @inlinable
    public init(list: [(name: String, value: TraceValue)], kind: EventKind) {
        dictionary = [:]
        self.list = list
        self.kind = kind
    }

    /// The raw `data` object.
    public var data: [String: TraceValue] {
        guard !list.isEmpty else { return dictionary }
        return Dictionary(list.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// An error about `field`.
    public func error(_ field: String, _ problem: PayloadError.Problem) -> PayloadError {
        PayloadError(kind: kind, field: field, problem: problem)
    }

    /// The field's value; nil when absent or `null`.
    @inlinable
    public func value(_ field: String) -> TraceValue? {
        guard let value = list.isEmpty ? dictionary[field] : listed(field) else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// The last value of `field` in `list`.
    @inlinable
    func listed(_ field: String) -> TraceValue? {
        var position = list.count
        while position > 0 {
            position -= 1
            if list[position].name == field { return list[position].value }
        }
        return nil
    }

    /// A required field, read by `read`.
    @inlinable
    public func required<T>(
        _ field: String, _ read: (String) throws(PayloadError) -> T?
    ) throws(PayloadError) -> T {
        guard let value = try read(field) else { throw error(field, .missing) }
        return value
    }

    // MARK: Optional fields (nil when absent)

    /// A string, at most `maxBytes` UTF-8 bytes.
    public func string(_ field: String, maxBytes: Int = 1 << 20) throws(PayloadError) -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value else { throw error(field, .wrongType(expected: "a string")) }
        guard text.utf8.count <= maxBytes else { throw error(field, .outOfRange) }
        return text
    }

    /// An integer that fits `T` exactly and lies in `bounds`. A JSON number with a fraction is refused.
    /// Inlinable so that the payload decoders of other modules get it specialized for their integer types (generic,
    /// it looked up the metadata of `T` and its range on every call: about a thousand instructions per field read).
    @inlinable
    public func integer<T: FixedWidthInteger>(
        _ field: String, _ type: T.Type = T.self, in bounds: ClosedRange<T> = T.min...T.max
    ) throws(PayloadError) -> T? {
        guard let value = value(field) else { return nil }
        let number: Int64
        switch value {
        case .int(let whole): number = whole
        case .double(let real) where real.rounded() == real && abs(real) < 9e15: number = Int64(real)
        default: throw error(field, .wrongType(expected: "an integer"))
        }
        guard let exact = T(exactly: number), bounds.contains(exact) else { throw error(field, .outOfRange) }
        return exact
    }

    /// A finite number (an integer counts).
    public func double(_ field: String) throws(PayloadError) -> Double? {
        guard let value = value(field) else { return nil }
        switch value {
        case .double(let real):
            guard real.isFinite else { throw error(field, .outOfRange) }
            return real
        case .int(let whole): return Double(whole)
        default: throw error(field, .wrongType(expected: "a number"))
        }
    }

    /// A boolean.
    public func bool(_ field: String) throws(PayloadError) -> Bool? {
        guard let value = value(field) else { return nil }
        guard case .bool(let flag) = value else { throw error(field, .wrongType(expected: "a boolean")) }
        return flag
    }

    /// An array of strings, at most `maxCount` of them.
    public func strings(_ field: String, maxCount: Int = 1 << 20) throws(PayloadError) -> [String]? {
        guard let value = value(field) else { return nil }
        guard case .array(let items) = value else { throw error(field, .wrongType(expected: "an array")) }
        guard items.count <= maxCount else { throw error(field, .outOfRange) }
        var texts: [String] = []
        texts.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else { throw error(field, .wrongType(expected: "an array of strings")) }
            texts.append(text)
        }
        return texts
    }

    /// An object whose values are all strings.
    public func stringObject(_ field: String) throws(PayloadError) -> [String: String]? {
        guard let value = value(field) else { return nil }
        guard case .object(let object) = value else { throw error(field, .wrongType(expected: "an object")) }
        var result: [String: String] = [:]
        for (key, item) in object {
            guard case .string(let text) = item else {
                throw error(field, .wrongType(expected: "an object of strings"))
            }
            result[key] = text
        }
        return result
    }
}

/// Building an event's `data`: optional fields are left out when nil.
extension [String: TraceValue] {
    /// Sets `field` to `value`, or leaves it out when nil.
    @inlinable
    public mutating func put(_ field: String, _ value: String?) {
        if let value { self[field] = .string(value) }
    }

    /// Sets `field` to `value` (saturating at the bounds of a signed 64-bit integer), or leaves it out when nil.
    @inlinable
    public mutating func put<T: BinaryInteger>(_ field: String, _ value: T?) {
        if let value { self[field] = .int(Int64(clamping: value)) }
    }

    /// Sets `field` to `value`, or leaves it out when nil.
    @inlinable
    public mutating func put(_ field: String, _ value: Double?) {
        if let value { self[field] = .double(value) }
    }

    /// Sets `field` to `value`, or leaves it out when nil.
    @inlinable
    public mutating func put(_ field: String, _ value: Bool?) {
        if let value { self[field] = .bool(value) }
    }

    /// Sets `field` to an array of strings, or leaves it out when nil.
    @inlinable
    public mutating func put(_ field: String, _ value: [String]?) {
        if let value { self[field] = .array(value.map { .string($0) }) }
    }

    /// Sets `field` to an object of strings, or leaves it out when nil.
    @inlinable
    public mutating func put(_ field: String, _ value: [String: String]?) {
        if let value { self[field] = .object(value.mapValues { .string($0) }) }
    }
}
