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
        var seen = SeenFields()
        var cursor = try reader.beginObject()
        while let key = try reader.nextKey(&cursor) {
            if key == "a", seen.first(0) {
                numbers[0] = try reader.readInt()
            } else if key == "b", seen.first(1) {
                numbers[1] = try reader.readInt()
            } else if key == "note", seen.first(2) {
                note = try reader.readString()
            } else {
                try reader.skipValue()
            }
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
        var seen = SeenFields()
        var cursor = try reader.beginObject()
        while let key = try reader.nextKey(&cursor) {
            if key == "sum", seen.first(0) {
                sum = try reader.readInt()
            } else if key == "note", seen.first(1) {
                note = try reader.readString()
            } else {
                try reader.skipValue()
            }
        }
        guard let sum, let note else { throw .unsupported }
        self.init(sum: sum, note: note)
    }
}
