import NIOCore

/// A first-in first-out queue that holds no storage while it is empty: it
/// allocates on the first append and frees its storage once emptied.
///
/// A client connection's handler keeps two queues (pipelined request parts,
/// request parts waiting for an upstream connection) that are empty for
/// nearly its whole life. NIO's `CircularBuffer` allocates on creation and
/// keeps its capacity; as plain fields they cost an idle keep-alive
/// connection 0.5 KiB of heap (heaptrack, 2,000 idle connections: 406 B,
/// 101 B and 54 B per connection).
struct OnDemandQueue<Element> {
    private var storage: CircularBuffer<Element>?

    init() {}

    var isEmpty: Bool { storage?.isEmpty ?? true }

    mutating func append(_ element: Element) {
        if storage == nil { storage = CircularBuffer(initialCapacity: 4) }
        storage!.append(element)
    }

    mutating func popFirst() -> Element? {
        guard let element = storage?.popFirst() else { return nil }
        if storage!.isEmpty { storage = nil }
        return element
    }

    mutating func removeAll() {
        storage = nil
    }
}
