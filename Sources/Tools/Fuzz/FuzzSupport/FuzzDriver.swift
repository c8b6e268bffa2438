/// The glue between libFuzzer and a Swift fuzz target.
///
/// SwiftPM links an executable target `X` with `--defsym main=X_main`, so each target defines `X_main`
/// (with `@_cdecl`) and hands its test function to `FuzzDriver.run`, which starts libFuzzer's driver.
/// Build with `-sanitize=fuzzer -parse-as-library` (see `make fuzz` and docs/fuzzing.md).
public enum FuzzDriver {
    /// The signature libFuzzer calls for every input: bytes and count, 0 to keep going.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer with the process arguments; returns its exit code.
    public static func run(
        argc: CInt, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, test: TestOneInput
    ) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, test)
    }

    /// The input as a buffer (empty for a null pointer).
    public static func bytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: count > 0 ? start : nil, count: count > 0 ? count : 0)
    }

    /// Stops the process with a message libFuzzer reports as a crash (a broken property, not bad input).
    public static func fail(_ message: String) -> Never {
        fatalError("fuzz property broken: \(message)")
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzDriver.TestOneInput
) -> CInt
