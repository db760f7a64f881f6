import Foundation
import NIOSSL

/// One line for a failed TLS connection (a certificate not trusted, a name it does not cover, a
/// peer that does not speak TLS, a client certificate refused), or nil when `error` is not a TLS
/// error. `plainScheme` is the scheme without TLS (`mqtt`, `ws`), named in the hint for a port
/// that serves plain connections. BoringSSL's reason code is kept in brackets, for searching.
public func describeTLSFailure(_ error: any Error, plainScheme: String) -> String? {
    switch error {
    case NIOSSLError.uncleanShutdown:
        return "the server closed the connection"
    case let NIOSSLError.handshakeFailed(underlying):
        return describe(underlying, plainScheme: plainScheme)
    case let error as NIOSSLError:
        return "TLS error: \(error)"
    case let error as BoringSSLError:
        return describe(error, plainScheme: plainScheme)
    case let error as NIOSSLExtraError where error == .failedToValidateHostname:
        return "TLS handshake failed: the server's certificate is not valid for this host name or address (check url)"
    default:
        return nil
    }
}

/// BoringSSL's errors (a failed handshake, an alert the server sent) by their reason code.
private func describe(_ error: BoringSSLError, plainScheme: String) -> String {
    let text = "\(error)"
    let reason =
        text.range(of: #"OPENSSL_internal:[A-Z0-9_]+"#, options: .regularExpression).map {
            String(text[$0].dropFirst("OPENSSL_internal:".count))
        } ?? text
    let meaning: String
    switch reason {
    case "CERTIFICATE_VERIFY_FAILED":
        meaning = "the server's certificate is not trusted (not signed by tls.ca or the system's roots, or expired)"
    case "WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST":
        meaning = "the server does not speak TLS on this port (a plain \(plainScheme):// port?)"
    case "TLSV1_ALERT_CERTIFICATE_REQUIRED", "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_HANDSHAKE_FAILURE",
        "TLSV1_ALERT_ACCESS_DENIED", "SSLV3_ALERT_CERTIFICATE_UNKNOWN":
        meaning = "the server refused the connection's certificate (it wants a client certificate it trusts: tls.cert and tls.key)"
    default:
        meaning = "TLS error"
    }
    return "TLS handshake failed: \(meaning) (\(reason))"
}
