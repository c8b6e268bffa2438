import CXGBoost

/// An owned XGBoost DMatrix built from dense rows (missing values are NaN).
final class DMatrix {
    let handle: DMatrixHandle
    let rowCount: Int

    /// A matrix of `rows` (all the same width), with optional binary `labels` (1 = fraud).
    init(rows: [[Float]], labels: [Bool]? = nil) throws(FraudModelError) {
        guard let width = rows.first?.count, width > 0 else {
            throw .invalidTrainingData("no rows")
        }
        guard rows.allSatisfy({ $0.count == width }) else { throw .invalidTrainingData("rows of different widths") }
        let flat = rows.flatMap { $0 }
        var raw: DMatrixHandle?
        try checkXGBoost(
            XGDMatrixCreateFromMat(flat, UInt64(rows.count), UInt64(width), Float.nan, &raw), "XGDMatrixCreateFromMat")
        guard let raw else { throw .xgboost(call: "XGDMatrixCreateFromMat", message: "returned no matrix") }
        handle = raw
        rowCount = rows.count
        if let labels {
            guard labels.count == rows.count else {
                throw .invalidTrainingData("\(labels.count) labels for \(rows.count) rows")
            }
            let values: [Float] = labels.map { $0 ? 1 : 0 }
            try checkXGBoost(
                XGDMatrixSetFloatInfo(handle, "label", values, UInt64(values.count)), "XGDMatrixSetFloatInfo(label)")
        }
    }

    deinit {
        XGBoostAPI.freeMatrices([FreeableHandle(raw: handle)])
    }
}
