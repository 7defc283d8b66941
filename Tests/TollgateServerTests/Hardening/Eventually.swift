/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns
/// whether it held. For facts that settle asynchronously on the other side of
/// a socket (a connection closed, a request counted).
func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(10))
    }
    return true
}
