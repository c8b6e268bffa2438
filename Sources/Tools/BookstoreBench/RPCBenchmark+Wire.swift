import WireJSON

// The benchmark method's byte-level codecs, so that `add` goes the way every cluster method goes (the envelope and
// the messages read and written by `WireRPC`), not through Foundation's JSON coders.

extension AddParams: WireCodable {
    func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("a", a)
        writer.field("b", b)
        writer.field("note", note)
        writer.endObject()
    }

    init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var numbers: [Int?] = [nil, nil]
        var note: String?
        try readFields(["a", "b", "note"], &reader) { field, reader throws(WireDecodingError) in
            if field < 2 { numbers[field] = try reader.readInt() } else { note = try reader.readString() }
        }
        guard let a = numbers[0], let b = numbers[1], let note else { throw .unsupported }
        self.init(a: a, b: b, note: note)
    }
}

extension Sum: WireCodable {
    func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("sum", sum)
        writer.field("note", note)
        writer.endObject()
    }

    init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var sum: Int?
        var note: String?
        try readFields(["sum", "note"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { sum = try reader.readInt() } else { note = try reader.readString() }
        }
        guard let sum, let note else { throw .unsupported }
        self.init(sum: sum, note: note)
    }
}
