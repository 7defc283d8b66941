/// Writes the Prometheus text exposition format (version 0.0.4): `# HELP` and
/// `# TYPE` per family, one sample per line, label values escaped, histograms
/// as cumulative `_bucket{le=…}` plus `_sum` and `_count`.
///
/// Why not swift-prometheus (2.4.1) or swift-metrics (2.13.0): their values
/// live in the registry's objects — a `Counter` is one atomic shared by every
/// thread, a `Histogram` takes a lock on every `record`, and looking up a
/// labelled series takes the registry's lock — and neither can read values
/// kept per event loop at scrape time. Tollgate counts in plain per-loop
/// integers (`LoopMetrics`) and sums at scrape time, so all it needs from a
/// library is this format, which is short enough to write here.
struct PrometheusText {
    private(set) var text = ""

    /// Starts a metric family.
    mutating func family(_ name: String, _ type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ value: Int) {
        line(name, [:], String(value))
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int) {
        line(name, labels, String(value))
    }

    /// A whole histogram family of durations, in seconds.
    mutating func histogram(_ name: String, help: String, _ histogram: LatencyHistogram) {
        family(name, "histogram", help: help)
        let cumulative = histogram.cumulativeCounts
        for (index, bound) in LatencyHistogram.bounds.enumerated() {
            line(name + "_bucket", ["le": Self.number(Double(bound) / 1e9)], String(cumulative[index]))
        }
        line(name + "_bucket", ["le": "+Inf"], String(histogram.count))
        line(name + "_sum", [:], Self.number(Double(histogram.sumNanoseconds) / 1e9))
        line(name + "_count", [:], String(histogram.count))
    }

    private mutating func line(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label.key
                text += "=\""
                Self.appendEscaped(label.value, to: &text)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += value
        text += "\n"
    }

    /// A label value: backslash, double quote and line feed escaped.
    static func appendEscaped(_ value: String, to text: inout String) {
        for character in value.unicodeScalars {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.unicodeScalars.append(character)
            }
        }
    }

    /// A float as Prometheus reads it: `+Inf`, or the shortest decimal that round-trips.
    static func number(_ value: Double) -> String {
        value.isInfinite ? (value > 0 ? "+Inf" : "-Inf") : "\(value)"
    }
}
