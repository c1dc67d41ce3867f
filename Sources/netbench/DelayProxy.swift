import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A local TCP proxy that adds latency.
///
/// It accepts connections on a loopback port, opens one to the target for each, and forwards the
/// bytes both ways, holding every chunk it reads for a fixed delay before writing it on. With 25 ms a direction, a request and its answer take 50 ms
/// more, as over a link with a 50 ms round trip. TLS goes through untouched: the proxy never
/// looks at the bytes.
///
/// A chunk waits for its own deadline only, so chunks in flight overlap (the link's bandwidth is
/// not limited); order is kept. Blocking sockets on threads of their own, so the proxy takes no
/// thread from Swift concurrency or NIO, which the benchmark's client uses.
final class DelayProxy: Sendable {
    /// The port the proxy listens on (loopback).
    let port: UInt16
    private let listener: Int32
    private let targetPort: UInt16
    private let delay: Duration
    private let stopped = Atomic<Bool>(false)
    /// Connections accepted so far.
    let connections = Atomic<Int>(0)

    /// Listens on a free loopback port and forwards to `127.0.0.1:targetPort`.
    init(targetPort: UInt16, delayEachWay: Duration) throws(SocketError) {
        let (descriptor, port) = try Socket.listen()
        self.listener = descriptor
        self.port = port
        self.targetPort = targetPort
        self.delay = delayEachWay
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "delay-proxy-accept"
        thread.start()
    }

    /// Stops accepting; connections in progress finish.
    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            connections.add(1, ordering: .relaxed)
            let upstream: Int32
            do {
                upstream = try Socket.connect(port: targetPort)
            } catch {
                close(client)
                continue
            }
            Socket.setNoDelay(client)
            let closer = PairCloser(client, upstream)
            DelayedPipe(from: client, to: upstream, delay: delay, closer: closer).start()
            DelayedPipe(from: upstream, to: client, delay: delay, closer: closer).start()
        }
    }
}

/// Closes both sockets of a proxied connection once its four threads (a reader and a writer each
/// way) have ended, so no thread can touch a descriptor number after it is reused.
private final class PairCloser: Sendable {
    private let descriptors: (Int32, Int32)
    private let remaining = Atomic<Int>(4)

    init(_ first: Int32, _ second: Int32) {
        descriptors = (first, second)
    }

    func threadEnded() {
        if remaining.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
            close(descriptors.0)
            close(descriptors.1)
        }
    }
}

/// One direction of a proxied connection: a reader thread stamps each chunk with its deadline and
/// queues it; a writer thread writes each chunk when its deadline has passed.
private final class DelayedPipe: @unchecked Sendable {
    private let source: Int32
    private let destination: Int32
    private let delay: Duration
    private let closer: PairCloser
    /// Guards `queue`; `@unchecked Sendable` because of it.
    private let condition = NSCondition()
    /// Chunks and their deadlines; `nil` bytes mean the source ended.
    private var queue: [(deadline: ContinuousClock.Instant, bytes: [UInt8]?)] = []

    init(from source: Int32, to destination: Int32, delay: Duration, closer: PairCloser) {
        self.source = source
        self.destination = destination
        self.delay = delay
        self.closer = closer
    }

    func start() {
        let reader = Thread { [self] in readLoop() }
        reader.name = "delay-proxy-read"
        reader.start()
        let writer = Thread { [self] in writeLoop() }
        writer.name = "delay-proxy-write"
        writer.start()
    }

    private func enqueue(_ bytes: [UInt8]?) {
        let deadline = ContinuousClock.now.advanced(by: delay)
        condition.lock()
        queue.append((deadline, bytes))
        condition.signal()
        condition.unlock()
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count > 0 {
                enqueue(Array(buffer[0..<count]))
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                enqueue(nil)
                closer.threadEnded()
                return
            }
        }
    }

    private func writeLoop() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let (deadline, bytes) = queue.removeFirst()
            condition.unlock()
            let remaining = deadline - ContinuousClock.now
            if remaining > .zero {
                let (seconds, attoseconds) = remaining.components
                var time = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                var left = timespec()
                while nanosleep(&time, &left) != 0 && errno == EINTR { time = left }
            }
            guard let bytes, Socket.writeAll(destination, bytes) else {
                // The source ended (or the destination is gone): pass the end on and stop.
                shutdown(destination, Int32(SHUT_WR))
                if bytes != nil { shutdown(source, Int32(SHUT_RD)) }
                closer.threadEnded()
                return
            }
        }
    }
}

/// A socket call that failed.
struct SocketError: Error, CustomStringConvertible {
    var description: String
}

/// The few blocking socket calls the proxy and the port search need.
enum Socket {
    /// A loopback IPv4 address.
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A listening socket on a free loopback port, and the port.
    static func listen() throws(SocketError) -> (Int32, UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 512) == 0 else {
            close(descriptor)
            throw SocketError(description: "bind/listen: errno \(errno)")
        }
        return (descriptor, try localPort(descriptor))
    }

    /// A loopback port that was free a moment ago, for seqd's `--port`.
    static func freePort() throws(SocketError) -> UInt16 {
        let (descriptor, port) = try listen()
        close(descriptor)
        return port
    }

    static func localPort(_ descriptor: Int32) throws(SocketError) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError(description: "getsockname: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A connected socket to `127.0.0.1:port`, with Nagle's algorithm off.
    static func connect(port: UInt16) throws(SocketError) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw SocketError(description: "connect to port \(port): errno \(code)")
        }
        setNoDelay(descriptor)
        return descriptor
    }

    /// Turns Nagle's algorithm off, so a delayed chunk is not held back again waiting for an ACK.
    static func setNoDelay(_ descriptor: Int32) {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes every byte; `false` when the peer is gone.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
