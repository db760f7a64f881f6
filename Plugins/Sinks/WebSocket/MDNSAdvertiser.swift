import CDNSSD
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Advertises the sink on the local network through DNS-SD (docs/PROTOCOL.md): `<name>._iracingws._tcp.local.`
/// on the sink's port with TXT `path`, `version=1` and `sources`, so clients find the broker without
/// an address. It talks to the system's mDNS daemon through `dns_sd` (avahi's compatibility
/// library on Linux, Apple's own on macOS); without a daemon the sink serves on unadvertised.
///
/// A small thread reads the daemon's replies (the registration's outcome, a name conflict) so they
/// reach the log; `withdraw()` stops it and removes the service.
final class MDNSAdvertiser: Sendable {
    /// What to register.
    struct Service: Sendable, Equatable {
        var name: String
        var type: String
        var port: Int
        var txt: [(key: String, value: String)]

        static func == (a: Service, b: Service) -> Bool {
            a.name == b.name && a.type == b.type && a.port == b.port && a.txt.elementsEqual(b.txt) { $0 == $1 }
        }

        /// The TXT record in DNS wire format: length-prefixed `key=value` strings (each at most 255 bytes).
        var txtRecord: [UInt8] {
            var record: [UInt8] = []
            for (key, value) in txt {
                let entry = Array("\(key)=\(value)".utf8.prefix(255))
                record.append(UInt8(entry.count))
                record += entry
            }
            return record
        }
    }

    /// A registration handle. dns_sd handles are not thread-safe: after `advertise` hands it over,
    /// only the reply thread uses it (and finally deallocates it), hence the unchecked conformance.
    private struct Registration: @unchecked Sendable {
        let reference: DNSServiceRef
    }

    private struct State {
        var registration: Registration?
        var stopping = false
        var stopped: CheckedContinuation<Void, Never>?
        var threadDone = false
    }

    let service: Service
    private let logger: Logger
    private let state = Mutex(State())

    private init(service: Service, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    /// Avahi's compatibility layer prints a warning banner on first use unless this is set.
    private static let silenceAvahiBanner: Void = {
        setenv("AVAHI_COMPAT_NOWARN", "1", 1)
    }()

    /// Registers `service`; returns nil (after one warning) when no mDNS daemon takes it.
    static func advertise(_ service: Service, logger: Logger) -> MDNSAdvertiser? {
        _ = silenceAvahiBanner
        let advertiser = MDNSAdvertiser(service: service, logger: logger)
        let txt = service.txtRecord
        var reference: DNSServiceRef?
        let context = Unmanaged.passUnretained(advertiser).toOpaque()
        let error = txt.withUnsafeBytes { txtBytes in
            DNSServiceRegister(
                &reference, 0, 0, service.name, service.type, nil, nil, UInt16(truncatingIfNeeded: service.port).bigEndian,
                UInt16(txtBytes.count), txtBytes.baseAddress, registrationReply, context)
        }
        guard error == kDNSServiceErr_NoError, let reference else {
            logger.warning(
                "mDNS: cannot advertise '\(service.name)' (\(service.type)) on port \(service.port): \(describe(error)); serving on without it")
            return nil
        }
        let registration = Registration(reference: reference)
        advertiser.state.withLock { $0.registration = registration }
        let thread = Thread { advertiser.processReplies() }
        thread.name = "mdns-\(service.name)"
        thread.start()
        return advertiser
    }

    /// Withdraws the service (the daemon announces its removal) and stops the reply thread;
    /// returns within about 0.2 s.
    func withdraw() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyDone = state.withLock { state -> Bool in
                state.stopping = true
                if state.threadDone { return true }
                state.stopped = continuation
                return false
            }
            if alreadyDone { continuation.resume() }
        }
    }

    /// The reply thread: waits on the daemon's socket, hands replies to `registrationReply`, and
    /// deallocates the registration (which withdraws it) once `withdraw()` is called.
    private func processReplies() {
        guard let reference = state.withLock({ $0.registration?.reference }) else { return }
        let descriptor = DNSServiceRefSockFD(reference)
        var failed = descriptor < 0
        while !state.withLock({ $0.stopping }) {
            guard !failed else {
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready > 0 {
                let error = DNSServiceProcessResult(reference)
                if error != kDNSServiceErr_NoError {
                    logger.warning("mDNS: lost the connection to the mDNS daemon (\(Self.describe(error))); the service may no longer be advertised")
                    failed = true
                }
            } else if ready < 0 && errno != EINTR {
                failed = true
            }
        }
        DNSServiceRefDeallocate(reference)
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.registration = nil
            state.threadDone = true
            defer { state.stopped = nil }
            return state.stopped
        }
        logger.debug("mDNS: withdrew '\(service.name)' (\(service.type))")
        waiter?.resume()
    }

    fileprivate func registered(error: DNSServiceErrorType, name: String?) {
        if error == kDNSServiceErr_NoError {
            logger.info("mDNS: advertising '\(name ?? service.name)' as \(service.type) on port \(service.port)")
        } else {
            logger.warning("mDNS: the daemon refused '\(service.name)' (\(service.type)): \(Self.describe(error)); serving on without it")
        }
    }

    static func describe(_ error: DNSServiceErrorType) -> String {
        // Apple's kDNSServiceErr_ServiceNotRunning; avahi's layer reports a missing daemon as Unknown.
        let serviceNotRunning = -65563
        switch Int(error) {
        case serviceNotRunning, Int(kDNSServiceErr_Unknown):
            return "no mDNS daemon is reachable (dns_sd error \(error)); on Linux start avahi-daemon"
        case Int(kDNSServiceErr_NameConflict):
            return "the name is taken on this network (dns_sd error \(error)); set mdns.name"
        case Int(kDNSServiceErr_BadParam):
            return "the daemon rejected the name or type (dns_sd error \(error))"
        default:
            return "dns_sd error \(error)"
        }
    }

    /// The machine's host name without its domain: the default instance name.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "telemetry-broker" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = name.split(separator: ".").first.map(String.init) ?? name
        return short.isEmpty ? "telemetry-broker" : short
    }
}

/// dns_sd's registration callback (a C function pointer: the advertiser comes through `context`).
private func registrationReply(
    _ reference: DNSServiceRef?, _ flags: DNSServiceFlags, _ error: DNSServiceErrorType, _ name: UnsafePointer<CChar>?,
    _ type: UnsafePointer<CChar>?, _ domain: UnsafePointer<CChar>?, _ context: UnsafeMutableRawPointer?
) {
    guard let context else { return }
    let advertiser = Unmanaged<MDNSAdvertiser>.fromOpaque(context).takeUnretainedValue()
    advertiser.registered(error: error, name: name.map { String(cString: $0) })
}
