import Foundation

/// Serializes XGBoost's non-prediction C API calls (create, load, set parameters, train, save, free) across
/// the process. Predictions on a loaded booster are thread-safe and do not take it; but boosters created,
/// trained and freed concurrently (parallel tests, several models in one process) share XGBoost's global
/// and OpenMP state, which is not documented as safe. Recursive, because a matrix may be freed while the
/// lock is held by the same thread.
enum XGBoostAPI {
    static let lock = NSRecursiveLock()
}
