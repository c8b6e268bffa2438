import Causality
import Checkout
import RPC
import WireJSON

// The checkout reply's byte-level encoder: the JSON of its `Codable` conformance (members in declaration order,
// absent optionals omitted), written without Foundation's encoder. The one difference: the vector clock's members
// come sorted by node id (Foundation writes a dictionary in hash order; a JSON object's members have no order).
extension OrderStatusResponse: WireEncodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("status", status)
        writer.field("suggestedBooks", suggestedBooks)
        writer.field("reasons", reasons)
        if let fraudScore {
            writer.key("fraudScore")
            writer.double(fraudScore)
        }
        if let fraudThreshold {
            writer.key("fraudThreshold")
            writer.double(fraudThreshold)
        }
        writer.field("traceId", traceId)
        writer.key("vectorClock")
        var clock: [UInt8] = []
        clock.reserveCapacity(2 + vectorClock.count * 24)
        vectorClock.appendJSON(to: &clock)
        writer.raw(clock)
        writer.endObject()
    }

    /// The reply's JSON body: the byte-level encoder's, or Foundation's when that one cannot write the value (a
    /// non-finite score, which Foundation refuses too: then `{}`).
    var body: [UInt8] {
        if let bytes = wireJSON { return bytes }
        return (try? JSONCoding.encoder.encode(self)).map { [UInt8]($0) } ?? Array("{}".utf8)
    }
}
