import CXGBoost
import Dispatch
import Foundation

/// Process-wide rules for XGBoost's C API.
///
/// - `lock` serializes the non-prediction calls (create, load, set parameters, train, save, free) across the
///   process. Predictions on a loaded booster are thread-safe and do not take it; boosters created, trained and
///   freed concurrently share XGBoost's global and OpenMP state, which is not documented as safe. Recursive,
///   because a matrix may be freed while the same thread holds the lock.
/// - Boosters are freed on `reaper`, never where the last reference happens to drop. `XGBoosterFree` erases the
///   learner's entry from the *calling thread's* thread-local store; run from a thread that is exiting (a worker
///   thread whose closure held the last reference), that store is already destroyed and the erase frees memory
///   twice (found by AddressSanitizer: a rare SIGSEGV in the test run).
enum XGBoostAPI {
    static let lock = NSRecursiveLock()
    static let reaper = DispatchQueue(label: "xgboost-reaper")

    /// Frees a booster on the reaper queue, under the lock.
    static func freeBooster(_ booster: FreeableHandle) {
        reaper.async {
            lock.lock()
            defer { lock.unlock() }
            XGBoosterFree(booster.raw)
        }
    }

    /// Frees matrices on the reaper queue, under the lock.
    static func freeMatrices(_ matrices: [FreeableHandle]) {
        guard !matrices.isEmpty else { return }
        reaper.async {
            lock.lock()
            defer { lock.unlock() }
            for matrix in matrices { XGDMatrixFree(matrix.raw) }
        }
    }
}

/// A C handle handed to the reaper queue. `@unchecked Sendable` is sound: raw pointers are not `Sendable`, but
/// the handle is moved to the reaper once, its owner no longer uses it, and it is freed under `XGBoostAPI.lock`.
struct FreeableHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}
