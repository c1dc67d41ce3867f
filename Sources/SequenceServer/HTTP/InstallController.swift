import Foundation
import Hummingbird
import SequencePlayer
import SequenceProtocol

/// The routes of protocol version 1 over an ``InstallService``: read the body within the size
/// limit, decode it, call the service, encode the answer or the error.
struct InstallController: Sendable {
    let service: InstallService

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/health") { _, _ in "ok\n" }
        router.post("/v1/installs") { request, _ in
            await handle(request, action: "install", session: nil, status: .created) {
                (body: InstallRequest) async throws(ServerError) in
                try await service.start(body)
            }
        }
        router.post("/v1/installs/:session/answers") { request, context in
            let session = context.parameters.get("session") ?? ""
            return await handle(request, action: "answers", session: session, status: .ok) {
                (body: ProbeAnswers) async throws(ServerError) in
                try await service.answers(session: session, body)
            }
        }
        router.post("/v1/installs/:session/receipt") { request, context in
            let session = context.parameters.get("session") ?? ""
            return await handle(request, action: "receipt", session: session, status: .ok) {
                (body: Receipt) async throws(ServerError) in
                try await service.receipt(session: session, body)
            }
        }
        router.post("/v1/installs/:session/relay") { request, context in
            let session = context.parameters.get("session") ?? ""
            return await handle(request, action: "relay", session: session, status: .ok) {
                (body: RelayExchange) async throws(ServerError) in
                try await service.relay(session: session, body)
            }
        }
    }

    /// Reads, decodes, calls and encodes; every failure becomes an error body with its status.
    private func handle<Body: Decodable, Answer: Encodable>(
        _ request: Request,
        action: String,
        session: String?,
        status: HTTPResponse.Status,
        _ call: (Body) async throws(ServerError) -> Answer
    ) async -> Response {
        do {
            let bytes = try await Self.collect(request.body)
            let body: Body
            do {
                body = try JSONDecoder().decode(Body.self, from: Data(bytes))
            } catch {
                throw ServerError.malformed("the body is not the JSON message this URL takes: \(Self.describe(error))")
            }
            let answer = try await call(body)
            return Self.json(answer, status: status)
        } catch let error as ServerError {
            if error.code == .malformedRequest || error.code == .requestTooLarge {
                await service.recordRefusal(action: action, session: session, error: error)
            }
            return Self.json(error.body, status: error.status)
        } catch {
            let failure = ServerError.internalError("the request could not be handled")
            await service.recordRefusal(action: action, session: session, error: failure)
            return Self.json(failure.body, status: .internalServerError)
        }
    }

    /// The whole body, refusing more than ``SequenceProtocol/maximumRequestSize`` bytes.
    private static func collect(_ body: RequestBody) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            guard bytes.count + buffer.readableBytes <= SequenceProtocol.maximumRequestSize else {
                throw ServerError.tooLarge()
            }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// A JSON answer: sorted keys, slashes unescaped.
    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return Response(
            status: status,
            headers: [.contentType: SequenceProtocol.mediaType],
            body: ResponseBody(byteBuffer: buffer)
        )
    }

    /// A decoding error in words, without echoing the body.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing '\(key.stringValue)' at \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        @unknown default:
            return "not the expected message"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty
            ? "the top level"
            : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
