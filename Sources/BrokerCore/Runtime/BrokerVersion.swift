/// The broker's release version, printed by `broker --version`.
public enum BrokerVersion {
    public static let current = "0.1.0"
}
