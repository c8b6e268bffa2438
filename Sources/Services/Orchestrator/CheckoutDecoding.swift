import Checkout
import Foundation
import RPC

/// Reads a checkout body whatever its Content-Type, and explains what is wrong with a bad one.
enum CheckoutDecoding {
    struct Problem: Error {
        var code: RPCErrorCode
        var message: String
    }

    static func decode(_ body: Data) -> Result<CheckoutRequest, Problem> {
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
