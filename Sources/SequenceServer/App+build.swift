public import Hummingbird
import HummingbirdTLS

/// Builds the server application from a configuration: reads the catalogue, card data, keys and
/// signing key, opens the registry, and serves protocol version 1 over TLS (or plain HTTP when
/// the configuration says so).
///
/// - Parameter configuration: Where to listen and what to read.
/// - Returns: The application; run it with `runService()`, or test it with `app.test(.router)`.
/// - Throws: ``ServerSetupError`` when a file cannot be used.
public func buildApplication(configuration: ServerConfiguration) throws(ServerSetupError) -> some ApplicationProtocol {
    try buildApplication(service: configuration.makeService(), configuration: configuration)
}

/// Builds the server application around a service made elsewhere, such as in a test.
///
/// - Parameters:
///   - service: The install service.
///   - configuration: Where to listen and how; its file paths are not read.
/// - Returns: The application.
/// - Throws: ``ServerSetupError`` when the TLS certificate or key cannot be used.
public func buildApplication(
    service: InstallService,
    configuration: ServerConfiguration
) throws(ServerSetupError) -> some ApplicationProtocol {
    let router = buildRouter(service: service)
    let settings = ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port),
        serverName: "seqd"
    )
    switch configuration.transport {
    case .https(let chain, let key):
        let tls = try ServerConfiguration.tlsConfiguration(certificateChainPEM: chain, privateKeyPEM: key)
        do {
            return Application(router: router, server: try .tls(tlsConfiguration: tls), configuration: settings)
        } catch {
            throw ServerSetupError(.certificate, "cannot set up TLS: \(error)")
        }
    case .insecureHTTP:
        return Application(router: router, configuration: settings)
    }
}

/// The router of protocol version 1: `POST /v1/installs`, `POST /v1/installs/{session}/answers`,
/// `…/receipt` and `…/relay`, and `GET /v1/health`.
///
/// - Parameter service: The install service the routes call.
/// - Returns: The router.
public func buildRouter(service: InstallService) -> Router<BasicRequestContext> {
    let router = Router()
    InstallController(service: service).addRoutes(to: router)
    return router
}
