import CXGBoost

/// Why the fraud model could not be trained, saved, loaded or used.
public enum FraudModelError: Error, Equatable, CustomStringConvertible {
    /// No file at the model path: the fraud service must not start without its model.
    case modelFileMissing(path: String)
    /// The file exists but XGBoost cannot use it as this model (with XGBoost's reason).
    case invalidModel(path: String, reason: String)
    /// The model's metadata file is missing or malformed.
    case invalidMetadata(path: String, reason: String)
    /// An XGBoost C API call returned an error; `message` is `XGBGetLastError()`.
    case xgboost(call: String, message: String)
    /// Rows, labels or parameters that cannot be trained on.
    case invalidTrainingData(String)

    public var description: String {
        switch self {
        case .modelFileMissing(let path):
            return "fraud model file not found at \(path) (train one with `bookstore fraud train`)"
        case .invalidModel(let path, let reason): return "fraud model at \(path) is not usable: \(reason)"
        case .invalidMetadata(let path, let reason): return "fraud model metadata at \(path) is not usable: \(reason)"
        case .xgboost(let call, let message): return "XGBoost \(call) failed: \(message)"
        case .invalidTrainingData(let reason): return "cannot train the fraud model: \(reason)"
        }
    }
}

/// Throws `FraudModelError.xgboost` with XGBoost's last error text when `code` is not 0.
func checkXGBoost(_ code: Int32, _ call: String) throws(FraudModelError) {
    guard code != 0 else { return }
    throw FraudModelError.xgboost(call: call, message: lastXGBoostError())
}

/// The calling thread's last XGBoost error message.
func lastXGBoostError() -> String {
    XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
}
