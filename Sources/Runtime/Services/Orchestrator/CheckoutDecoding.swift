import Checkout
import Foundation
import RPC
import WireJSON

/// Reads a checkout body whatever its Content-Type, and explains what is wrong with a bad one.
public enum CheckoutDecoding {
    /// Why a body was refused: the error code and message of the contract's error body.
    public struct Problem: Error {
        public var code: RPCErrorCode
        public var message: String
    }

    /// The bounds on a checkout body (the RPC server refuses bodies over 1 MiB before this runs).
    public static let limits = WireLimits.default

    /// The order in `body`, or what is wrong with it. The byte-level reader (`CheckoutRequest(wire:)`) takes
    /// the common case; whatever it leaves goes to Foundation, which accepts or refuses exactly as before, and a
    /// body over `limits` is refused outright.
    public static func decode(_ body: Data) -> Result<CheckoutRequest, Problem> {
        switch body.withUnsafeBytes({ CheckoutRequest.decode(wire: $0, limits: limits) }) {
        case .decoded(let order): return .success(order)
        case .refused(let reason):
            return .failure(Problem(code: .invalidRequest, message: "the request body is refused: \(reason)"))
        case .fallback: return decodeWithFoundation(body)
        }
    }

    /// The reference decoder (Foundation's), with the contract's messages for every kind of bad body.
    public static func decodeWithFoundation(_ body: Data) -> Result<CheckoutRequest, Problem> {
        guard !body.isEmpty, body.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            return .failure(
                Problem(code: .invalidRequest, message: "the request body is empty; send the order as JSON"))
        }
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(Problem(code: .parseError, message: "the request body is not valid UTF-8"))
        }
        do {
            return .success(try JSONDecoder().decode(CheckoutRequest.self, from: body))
        } catch let error as DecodingError {
            // Valid JSON whose values do not fit (a quantity of 1e30) is a bad order, not a parse error.
            let isJSON = (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) != nil
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, !isJSON {
                let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
                let message =
                    first == UInt8(ascii: "{")
                    ? "the request body is not valid JSON" : "the request body must be a JSON object"
                return .failure(Problem(code: .parseError, message: message))
            }
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, isJSON {
                // Foundation's decoder reports a number that does not fit an Int (1e308, 2^63, 1.5) as
                // "not valid JSON" with no path: find the field and say what is wrong with it.
                let misfit = (try? JSONSerialization.jsonObject(with: body)).flatMap(NumberRange.firstMisfit(in:))
                let detail = misfit.map { "\($0.path) is \($0.problem)" } ?? "a number is out of range"
                return .failure(Problem(code: .invalidParams, message: "invalid order: \(detail)"))
            }
            if case .typeMismatch(_, let context) = error, context.codingPath.isEmpty, isJSON {
                return .failure(Problem(code: .invalidRequest, message: "the request body must be a JSON object"))
            }
            return .failure(
                Problem(code: .invalidParams, message: "invalid order: \(DecodingErrorText.describe(error))"))
        } catch {
            return .failure(Problem(code: .parseError, message: "the request body is not valid JSON"))
        }
    }
}

/// Finds the integer field of a checkout body whose number does not fit (pure).
enum NumberRange {
    /// What is wrong with a number, and where.
    struct Misfit: Equatable {
        var path: String
        var problem: String
    }

    /// The first `items[i].quantity` that is not an integer in Int's range (the contract's only integer field).
    static func firstMisfit(in object: Any) -> Misfit? {
        guard let body = object as? [String: Any], let items = body["items"] as? [Any] else { return nil }
        for (index, item) in items.enumerated() {
            guard let fields = item as? [String: Any], let number = fields["quantity"] as? NSNumber,
                let problem = problem(with: number)
            else { continue }
            return Misfit(path: "items[\(index)].quantity", problem: problem)
        }
        return nil
    }

    /// Nil when `number` is an integer that fits in Int.
    static func problem(with number: NSNumber) -> String? {
        let range = "out of range (an integer from \(Int.min) to \(Int.max))"
        let type = String(cString: number.objCType)
        if ["d", "f"].contains(type) {
            let value = number.doubleValue
            guard value.isFinite, value.rounded(.towardZero) == value else {
                return value.isFinite ? "not a whole number" : range
            }
            return Int(exactly: value) == nil ? range : nil
        }
        if type == "Q" { return number.uint64Value > UInt64(Int.max) ? range : nil }
        return nil
    }
}
