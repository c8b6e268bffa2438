import Foundation

/// Why a trace file could not be read at all (damage inside a readable file is reported, not thrown).
public enum TraceReadError: Error, CustomStringConvertible {
    case cannotOpen(String, Int32)
    case cannotRead(String, Int32)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code): return "cannot open \(path): \(String(cString: strerror(code)))"
        case .cannotRead(let path, let code): return "cannot read \(path): \(String(cString: strerror(code)))"
        }
    }
}
