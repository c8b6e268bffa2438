import OTLP
import Testing
import TraceFormat

@Suite struct LiveSpanAssemblerTests {
}
