/// Reads an object's members: `body` gets the index in `names` of each first occurrence of a known key (the reader
/// at its value, which it must read); other members, and repeats of a known one, are skipped. The one member loop of
/// the byte-level codecs (`+Wire.swift` files).
public func readFields(
    _ names: [StaticString], _ reader: inout JSONReader,
    _ body: (Int, inout JSONReader) throws(WireDecodingError) -> Void
) throws(WireDecodingError) {
    var seen = SeenFields()
    var cursor = try reader.beginObject()
    while let key = try reader.nextKey(&cursor) {
        guard let field = key.index(in: names), seen.first(field) else {
            try reader.skipValue()
            continue
        }
        try body(field, &reader)
    }
}

/// The value of a required member, or `.unsupported` when it was absent (the reference decoder then refuses the
/// message with its own words).
public func required<Value>(_ value: Value?) throws(WireDecodingError) -> Value {
    guard let value else { throw .unsupported }
    return value
}
