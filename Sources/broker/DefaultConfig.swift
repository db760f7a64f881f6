/// The config used when there is no `--config` and no `./config.yaml`: the mock source served on
/// the WebSocket port the Python bridge used, so `broker` alone gives a client something to show.
enum DefaultConfig {
    static let text = """
        sources:
          - type: mock
        sinks:
          - type: websocket
            port: 8765
        """
}
