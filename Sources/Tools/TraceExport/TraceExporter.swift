import TraceAnalysis

/// Exports a run directory in one of the `ExportFormat`s: the entry point of `trace-analyzer export`.
public enum TraceExporter {
    /// Reads the run at `directory`, writes the selected events in `format` to `output` (`-` for standard output)
    /// and returns what happened (`otlp`: the OTLP export's options). Damaged files are read up to the damage and
    /// reported in `problems`.
    public static func export(
        runDirectory directory: String, format: ExportFormat, selection: ExportSelection = ExportSelection(),
        output: String, otlp: OTLPExporter = OTLPExporter()
    ) throws -> ExportSummary {
        try export(inputs: [directory], format: format, selection: selection, output: output, otlp: otlp)
    }

    /// Like `export(runDirectory:format:selection:output:)`, for a run given as several directories (one per host)
    /// or files. Two files of one node are refused (`RunLoadError`).
    public static func export(
        inputs: [String], format: ExportFormat, selection: ExportSelection = ExportSelection(), output: String,
        otlp: OTLPExporter = OTLPExporter(), progress: ProgressReporter? = nil
    ) throws -> ExportSummary {
        let source = try RunLoader.forExport(inputs: inputs)
        let sink = try TextSink(path: output)
        let summary: ExportSummary
        switch format {
        case .perfetto:
            var exporter = PerfettoExporter()
            exporter.progress = progress
            summary = try exporter.export(source, selection: selection, to: sink)
        case .otlp:
            var exporter = otlp
            exporter.progress = progress
            summary = try exporter.export(source, selection: selection, to: sink)
        case .shiviz:
            var exporter = ShiVizExporter()
            exporter.progress = progress
            summary = try exporter.export(source, selection: selection, to: sink)
        }
        try sink.close()
        return summary
    }
}
