import BrokerCore
import NIOSSL
import TLSClient

/// What a session needs for TLS at run time: the context, and whether verification is off (to
/// warn at every connect).
public struct MQTTTLSClient: Sendable {
    public let context: NIOSSLContext
    public let skipsVerification: Bool

    public init(context: NIOSSLContext, skipsVerification: Bool) {
        self.context = context
        self.skipsVerification = skipsVerification
    }

    /// The client for `server` per `options` (nil for a plain `mqtt://` server), with paths
    /// resolved against the config's folder.
    public static func make(for server: MQTTServerAddress, options: TLSClientOptions?, context: PluginContext) throws(PluginError) -> MQTTTLSClient? {
        guard server.usesTLS else { return nil }
        let options = options ?? TLSClientOptions()
        let sslContext = try options.makeContext(resolvingPathsWith: context.resolvePath)
        return MQTTTLSClient(context: sslContext, skipsVerification: options.insecureSkipVerify)
    }
}
