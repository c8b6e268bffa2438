import Synchronization

/// Unique, well-mixed 64-bit words for trace and span ids without a system call per id:
/// SplitMix64 over a process-wide atomic counter whose start is drawn once from the system's random source.
/// Not for secrets; ids only need to be unique and unpredictable enough not to collide across processes.
public struct IDSource: RandomNumberGenerator {
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    public init() {}

    public mutating func next() -> UInt64 {
        let value = Self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
