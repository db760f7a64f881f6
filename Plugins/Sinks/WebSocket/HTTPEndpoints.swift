import BrokerCore
import Hummingbird
import NIOCore

/// The plain HTTP side of the sink's port (docs/PROTOCOL.md): the dashboard page, the variable catalogue,
/// Prometheus metrics and a health check.
enum HTTPEndpoints {
    static func router(fanout: Fanout, config: WebSocketSinkConfig) -> Router<BasicRequestContext> {
        let router = Router()
        if config.protectHTTP {
            router.add(middleware: TokenMiddleware(tokens: AccessTokens(config.namedTokens), metrics: fanout.metrics, open: ["/healthz"]))
        }
        router.get("healthz") { _, _ in
            text("ok\n")
        }
        router.get("vars") { _, _ in
            let body = BrokerMessages.encode(BrokerMessages.variableCatalogue(fanout.variables))
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("metrics") { _, _ in
            let largestBuffer = await fanout.largestClientBuffer()
            return text(
                fanout.metrics.scrapeText(clients: fanout.registry.clients, largestClientBuffer: largestBuffer),
                contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        if config.dashboard {
            let html = DashboardPage.html(
                webSocketPath: config.path, tokenRequired: !config.namedTokens.isEmpty, maxMessageBytes: config.maxMessageBytes)
            let page = ByteBuffer(string: html)
            router.get("/") { _, _ in
                // Revalidated on every load, so a tablet picks up a new broker's page.
                Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                    body: .init(byteBuffer: page))
            }
        }
        if config.path != "/" || !config.dashboard {
            // A browser opening the WebSocket address gets told what it is.
            router.get(RouterPath(config.path)) { _, _ in
                var response = text("this is a WebSocket endpoint: connect with a WebSocket client and send commands such as 'sub Speed'\n")
                response.status = .upgradeRequired
                response.headers[.upgrade] = "websocket"
                return response
            }
        }
        return router
    }

    static func text(_ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `protect_http`: the sink's pages need a token too (`?token=` or `Authorization: Bearer`), except
/// the paths in `open` (the health check). A refusal is a plain 401, counted.
struct TokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let tokens: AccessTokens
    let metrics: SinkMetrics
    let open: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path)
            || tokens.name(uri: request.uri.description, authorization: request.headers[values: .authorization]) != nil
        {
            return try await next(request, context)
        }
        metrics.httpUnauthorized.increment()
        var response = HTTPEndpoints.text("missing or wrong token: add ?token= to the address or send 'Authorization: Bearer'\n")
        response.status = .unauthorized
        response.headers[.wwwAuthenticate] = "Bearer realm=\"telemetry broker\""
        return response
    }
}
