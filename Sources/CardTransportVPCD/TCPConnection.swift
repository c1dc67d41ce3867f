#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected TCP socket with blocking reads and writes; its owner closes it exactly once.
///
/// Reads re-arm `TCP_QUICKACK` before every `recv` on Linux, because the kernel clears the flag
/// again: Debian's vpcd 3.3 sends a message's length and payload in two `send` calls, so Nagle's
/// algorithm on its side plus a delayed ACK on this side would hold every message for about 40 ms.
struct TCPConnection: Sendable {
    /// The socket's file descriptor.
    let descriptor: Int32

    /// Connects to a host and port, trying each address the name resolves to.
    ///
    /// - Parameters:
    ///   - host: A host name or a numeric IPv4 or IPv6 address.
    ///   - port: The TCP port.
    /// - Returns: The connection, with `TCP_NODELAY` set.
    /// - Throws: ``VirtualCardLinkError/Code/vpcdNotListening`` when every address refused the
    ///   connection, ``VirtualCardLinkError/Code/invalidAddress`` when the name does not resolve, and
    ///   ``VirtualCardLinkError/Code/connectionFailed`` otherwise.
    static func connect(host: String, port: UInt16) throws(VirtualCardLinkError) -> TCPConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = socketStreamType
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .invalidAddress("cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }

        var lastErrno: Int32 = 0
        var refused = true
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            next = entry.pointee.ai_next
            let descriptor = socket(entry.pointee.ai_family, socketStreamType | socketCloseOnExec, 0)
            guard descriptor >= 0 else {
                lastErrno = errno
                refused = false
                continue
            }
            if systemConnect(descriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 {
                let connection = TCPConnection(descriptor: descriptor)
                connection.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
                #if canImport(Darwin)
                connection.setOption(level: SOL_SOCKET, name: SO_NOSIGPIPE, value: 1)
                #endif
                return connection
            }
            lastErrno = errno
            refused = refused && lastErrno == ECONNREFUSED
            _ = systemClose(descriptor)
        }
        if refused {
            throw .vpcdNotListening(
                "connection to \(host):\(port) refused: is pcscd running with the vpcd driver?"
            )
        }
        throw .connectionFailed("cannot connect to \(host):\(port): \(errorText(lastErrno))")
    }

    /// Reads exactly `count` bytes.
    ///
    /// - Parameter count: How many bytes to read; more than zero.
    /// - Returns: The bytes, or `nil` when the peer closed the connection before the first byte.
    /// - Throws: ``VirtualCardLinkError/Code/connectionLost`` when the peer closed the connection after
    ///   some of the bytes, or a receive failed.
    func read(count: Int) throws(VirtualCardLinkError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            armQuickAcknowledgement()
            let result = buffer.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress.map { $0 + received }, count - received, 0)
            }
            if result > 0 {
                received += result
            } else if result == 0 {
                if received == 0 {
                    return nil
                }
                throw .connectionLost("vpcd closed the connection after \(received) of \(count) bytes")
            } else if errno != EINTR {
                throw .connectionLost("receive failed: \(errorText(errno))")
            }
        }
        return buffer
    }

    /// Writes all the bytes, in as few segments as the kernel allows.
    ///
    /// - Parameter bytes: What to send.
    /// - Throws: ``VirtualCardLinkError/Code/connectionLost`` when a send fails.
    func write(_ bytes: [UInt8]) throws(VirtualCardLinkError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                send(descriptor, buffer.baseAddress.map { $0 + sent }, bytes.count - sent, sendFlags)
            }
            if result >= 0 {
                sent += result
            } else if errno != EINTR {
                throw .connectionLost("send failed: \(errorText(errno))")
            }
        }
    }

    /// Shuts both directions down: a thread blocked in ``read(count:)`` returns, and the peer sees the end.
    func shutdown() {
        _ = systemShutdown(descriptor)
    }

    /// Closes the descriptor.
    ///
    /// Call once, from the thread that owns the connection.
    func close() {
        _ = systemClose(descriptor)
    }

    private func armQuickAcknowledgement() {
        #if os(Linux)
        setOption(level: Int32(IPPROTO_TCP), name: Int32(TCP_QUICKACK), value: 1)
        #endif
    }

    private func setOption(level: Int32, name: Int32, value: Int32) {
        var value = value
        _ = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }
}

#if os(Linux)
private let socketStreamType = Int32(SOCK_STREAM.rawValue)
private let socketCloseOnExec = Int32(SOCK_CLOEXEC.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#else
private let socketStreamType = SOCK_STREAM
private let socketCloseOnExec: Int32 = 0
private let sendFlags: Int32 = 0
#endif

private func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}

private func systemShutdown(_ descriptor: Int32) -> Int32 {
    shutdown(descriptor, Int32(SHUT_RDWR))
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}

private func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
