import Glibc

/// A failure of the test's own socket code.
struct LoopbackError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    static func system(_ call: String) -> Self {
        Self("\(call) failed: \(String(cString: strerror(errno)))")
    }
}

/// A TCP listener on 127.0.0.1 with an ephemeral port: plays vpcd for the link's unit tests.
final class LoopbackListener {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw LoopbackError.system("socket")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 4) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            let error = LoopbackError.system("bind/listen")
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(descriptor)
    }

    /// Accepts the next connection, waiting at most `timeout`.
    func accept(timeout: Duration = .seconds(5)) throws -> LoopbackPeer {
        guard try waitReadable(descriptor, timeout: timeout) else {
            throw LoopbackError("no connection within \(timeout)")
        }
        let peer = Glibc.accept(descriptor, nil, nil)
        guard peer >= 0 else {
            throw LoopbackError.system("accept")
        }
        return LoopbackPeer(descriptor: peer)
    }

    /// A port on 127.0.0.1 where nothing listens: bound once, then closed.
    static func closedPort() throws -> UInt16 {
        let listener = try LoopbackListener()
        return listener.port
    }
}

/// The vpcd end of one connection.
final class LoopbackPeer {
    private let descriptor: Int32
    private var isClosed = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    /// Turns Nagle's algorithm off or on for what this end sends.
    func setNoDelay(_ on: Bool) {
        var value: Int32 = on ? 1 : 0
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends bytes as they are, in one `send`.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.send(descriptor, buffer.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard result >= 0 else {
                throw LoopbackError.system("send")
            }
            sent += result
        }
    }

    /// Sends one vpcd message: the 16-bit big-endian length, then the payload, in one `send`.
    func sendMessage(_ payload: [UInt8]) throws {
        try send([UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload)
    }

    /// Sends one vpcd message the way Debian's vpcd 3.3 does: the length and the payload in two `send`s.
    func sendMessageInTwoParts(_ payload: [UInt8]) throws {
        try send([UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)])
        try send(payload)
    }

    /// Receives exactly `count` bytes; `nil` when the link closed the connection first.
    func receive(count: Int, timeout: Duration = .seconds(5)) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            guard try waitReadable(descriptor, timeout: timeout) else {
                throw LoopbackError("nothing received within \(timeout) (\(received) of \(count) bytes)")
            }
            let result = buffer.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress.map { $0 + received }, count - received, 0)
            }
            if result == 0 {
                return nil
            }
            guard result > 0 else {
                throw LoopbackError.system("recv")
            }
            received += result
        }
        return buffer
    }

    /// Receives one vpcd message from the card and returns its payload.
    func receiveMessage(timeout: Duration = .seconds(5)) throws -> [UInt8] {
        guard let header = try receive(count: 2, timeout: timeout) else {
            throw LoopbackError("the link closed the connection instead of answering")
        }
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0 else {
            return []
        }
        guard let payload = try receive(count: length, timeout: timeout) else {
            throw LoopbackError("the link closed the connection inside a message")
        }
        return payload
    }

    /// Whether the link sent nothing at all within `time` (no data and no end of stream).
    func isSilent(for time: Duration) throws -> Bool {
        try !waitReadable(descriptor, timeout: time)
    }

    /// Whether the link closed the connection within `timeout` without sending anything more.
    func seesEndOfStream(timeout: Duration = .seconds(5)) throws -> Bool {
        guard try waitReadable(descriptor, timeout: timeout) else {
            return false
        }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) == 0
    }

    /// Closes this end: vpcd going away.
    func close() {
        guard !isClosed else {
            return
        }
        isClosed = true
        Glibc.close(descriptor)
    }
}

/// Waits until a descriptor is readable (data, a connection, or the end of the stream).
private func waitReadable(_ descriptor: Int32, timeout: Duration) throws -> Bool {
    let (seconds, attoseconds) = timeout.components
    let milliseconds = Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    while true {
        let result = poll(&request, 1, milliseconds)
        if result >= 0 {
            return result > 0
        }
        guard errno == EINTR else {
            throw LoopbackError.system("poll")
        }
    }
}
