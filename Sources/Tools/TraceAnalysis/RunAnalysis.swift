import TraceFormat

/// Runs the checks over a run directory in one streaming pass (the library side of `trace-analyzer check`).
public enum RunAnalysis {
    /// Checks every event of `directory` (or the window that `filter` selects by time and limit).
    /// - Throws: `RunLoadError` when the directory cannot be read.
    public static func check(
        directory: String, filter: EventFilter = EventFilter(), options: CheckOptions = CheckOptions(),
        progress: ProgressReporter = ProgressReporter()
    ) throws -> CheckReport {
        try check(loader: RunLoader(directory: directory), filter: filter, options: options, progress: progress)
    }

    /// Checks every event of the run `loader` opened (several hosts' folders or files are one run).
    public static func check(
        loader: RunLoader, filter: EventFilter = EventFilter(), options: CheckOptions = CheckOptions(),
        progress: ProgressReporter = ProgressReporter()
    ) -> CheckReport {
        let engine = CheckEngine(traced: loader.nodes, index: loader.index, options: options)
        var count = 0
        var stopped = false
        let start = loader.start ?? 0
        // The checks read the envelope, clock and payloads: events compactly, unless a time window reads each event.
        let health = loader.stream(compact: filter.from == nil && filter.to == nil) { event in
            progress.tick(count)
            if filter.from != nil || filter.to != nil, !filter.inTimeWindow(event.event, start: start) { return true }
            if let limit = filter.limit, count >= limit {
                stopped = true
                return false
            }
            count += 1
            engine.observe(event)
            return true
        }
        progress.done()
        let partial = stopped || filter.from != nil || filter.to != nil
        // Kept for the rest of the process (see `CheckOptions.freesStateAfterwards`).
        if !options.freesStateAfterwards { _ = Unmanaged.passRetained(engine) }
        return engine.finish(health: health, partial: partial)
            .filteringFindings(nodes: filter.nodes, order: filter.order)
    }

    /// The events of `directory` that `filter` selects, in causal merge order, with the files' health.
    /// Holds the selected events in memory: meant for one order, one node or a time window.
    public static func select(
        directory: String, filter: EventFilter, keep: (TraceEvent) -> Bool = { _ in true },
        progress: ProgressReporter = ProgressReporter()
    ) throws -> (events: [RunEvent], health: [FileHealth]) {
        select(loader: try RunLoader(directory: directory), filter: filter, keep: keep, progress: progress)
    }

    /// The events of the run `loader` opened that `filter` selects (see `select(directory:filter:keep:progress:)`).
    public static func select(
        loader: RunLoader, filter: EventFilter, keep: (TraceEvent) -> Bool = { _ in true },
        progress: ProgressReporter = ProgressReporter()
    ) -> (events: [RunEvent], health: [FileHealth]) {
        // One order: read only the gzip members that mention it (the run's order index, built once).
        if let order = filter.order, order.count >= 4 {
            return RunIndex.select(loader: loader, filter: filter, keep: keep)
        }
        let start = loader.start ?? 0
        var selected: [RunEvent] = []
        var count = 0
        let health = loader.stream { event in
            count += 1
            progress.tick(count)
            guard filter.matches(event.event, start: start), keep(event.event) else { return true }
            selected.append(event)
            return filter.limit.map { selected.count < $0 } ?? true
        }
        progress.done()
        return (selected, health)
    }
}
