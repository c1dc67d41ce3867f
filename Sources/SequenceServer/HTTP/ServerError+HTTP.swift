public import Hummingbird

extension ServerError: HTTPResponseError {
    /// The HTTP status of the error's code.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    /// The error as an answer: its status and the ``SequenceProtocol/ErrorBody`` JSON.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        InstallController.json(body, status: status)
    }
}
