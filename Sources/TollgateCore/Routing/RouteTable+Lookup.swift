extension RouteTable {
    /// Routes a request. `host` is the `Host` header (or `:authority`) as sent,
    /// with or without a port, in any case, or nil when the request has none
    /// (then only routes without a host can match). The query plays no part.
    ///
    /// Allocates nothing: it walks the UTF-8 bytes of `host` and `target` in place.
    public func lookup(host: String?, target: RequestTarget, method: String) -> RouteLookup {
        var progress = MatchProgress(method: methodRegistry.set(for: method) ?? [])
        var raw = target.raw
        raw.withUTF8 { bytes in
            let path = PathBytes(bytes: bytes, end: target.pathLength)
            if var host, hasExactHosts || hasWildcardHosts {
                let found = host.withUTF8 { hostBytes in matchHostTiers(hostBytes, path: path, progress: &progress) }
                if found { return }
            }
            if defaultRoot >= 0 {
                _ = walk(defaultRoot, cursor: path.firstCursor, path: path, progress: &progress)
            }
        }
        return progress.result
    }

    /// Tries the exact host's routes, then each `*.suffix` tier from the longest
    /// suffix down. Returns true once a route allowing the method is found.
    private func matchHostTiers(
        _ host: UnsafeBufferPointer<UInt8>,
        path: PathBytes,
        progress: inout MatchProgress
    ) -> Bool {
        var end = host.count
        if host.first == UInt8(ascii: "[") {
            if let close = host.firstIndex(of: UInt8(ascii: "]")) { end = close + 1 }
        } else if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
            end = colon
        }
        if end > 0, host[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard end > 0 else { return false }

        if hasExactHosts, let root = hosts.value(owner: Self.exactTier, key: LowercasedHost(buffer: host, range: 0..<end)) {
            if walk(root, cursor: path.firstCursor, path: path, progress: &progress) { return true }
        }
        guard hasWildcardHosts else { return false }
        var dot = 1
        while dot < end {
            if host[dot] == UInt8(ascii: "."),
               let root = hosts.value(owner: Self.wildcardTier, key: LowercasedHost(buffer: host, range: dot..<end)) {
                if walk(root, cursor: path.firstCursor, path: path, progress: &progress) { return true }
            }
            dot += 1
        }
        return false
    }

    /// Depth-first over the trie in priority order from `node`, where `cursor` is
    /// the offset of the `/` that starts the next segment (`path.end` when none
    /// is left). Returns true once a route allowing the method is found.
    private func walk(_ node: Int32, cursor: Int, path: PathBytes, progress: inout MatchProgress) -> Bool {
        let current = nodes[Int(node)]
        if cursor == path.end {
            return offer(current.terminal, &progress) || offer(current.catchAll, &progress)
        }
        let start = cursor + 1
        var stop = start
        while stop < path.end, path.bytes[stop] != UInt8(ascii: "/") { stop += 1 }
        if stop > start {
            if current.hasLiteralChildren,
               let child = edges.value(owner: node, key: DecodedSegment(buffer: path.bytes, range: start..<stop)),
               walk(child, cursor: stop, path: path, progress: &progress) {
                return true
            }
            if current.paramChild >= 0, walk(current.paramChild, cursor: stop, path: path, progress: &progress) {
                return true
            }
        }
        return offer(current.catchAll, &progress)
    }

    /// Considers the entries of one trie list, in order.
    @inline(__always)
    private func offer(_ list: Range<Int32>, _ progress: inout MatchProgress) -> Bool {
        for position in list {
            let entry = routeLists[Int(position)]
            if progress.mostSpecific < 0 { progress.mostSpecific = entry }
            let allowed = entryMethods[Int(entry)]
            if allowed.allows(progress.method) {
                progress.chosen = entry
                return true
            }
            progress.allowed.formUnion(allowed)
        }
        return false
    }
}

/// The request path's bytes while a lookup runs.
private struct PathBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Where the path ends (the `?` or the end of the target).
    let end: Int

    /// The root path `/` has no segment; any other path starts at its first `/`.
    var firstCursor: Int { end == 1 ? end : 0 }
}

/// What a lookup has seen so far.
private struct MatchProgress {
    let method: MethodSet
    var mostSpecific: Int32 = -1
    var chosen: Int32 = -1
    var allowed: MethodSet = []

    init(method: MethodSet) {
        self.method = method
    }

    var result: RouteLookup {
        let specific = mostSpecific < 0 ? nil : Int(mostSpecific)
        if chosen >= 0 { return RouteLookup(match: .route(Int(chosen)), mostSpecific: specific) }
        if specific != nil { return RouteLookup(match: .methodNotAllowed(allowed), mostSpecific: specific) }
        return RouteLookup(match: .notFound, mostSpecific: nil)
    }
}
