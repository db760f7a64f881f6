/// Runs `body` with `resource` (something a test started: a server, a source, a process), then
/// `stop`, on every way out of `body`, a thrown error or a failed `#require` included: the shape
/// of every scoped harness (`withBroker`, `withSinkHarness`...). A failure to stop after a failed
/// `body` is not reported over the body's own error.
public func using<Resource, Value>(
    _ resource: Resource, stop: (Resource) async throws -> Void, _ body: (Resource) async throws -> Value
) async throws -> Value {
    let value: Value
    do {
        value = try await body(resource)
    } catch {
        try? await stop(resource)
        throw error
    }
    try await stop(resource)
    return value
}
