#!/usr/bin/env bash
# End-to-end mDNS check of the WebSocket sink, isolated from the host's network and services.
#
#   scripts/mdns-test.sh BROKER_BINARY [tls]
#
# Creates a network namespace of its own (only `lo`, multicast on) and, inside it and under a
# private /run, starts a private D-Bus system bus and avahi-daemon (allow-interfaces=lo), then runs
# the broker with a mock source and a WebSocket sink (with `tls`: serving wss:// with a certificate
# made for the run by scripts/make-test-certificates.sh). Prints the service `avahi-browse -rpt`
# finds (port and TXT: path, version, sources, and tls=1 with TLS) as a FOUND line, stops the
# broker with SIGTERM and checks that the service is withdrawn. avahi never sees the host's
# interfaces and the host's own D-Bus/avahi (if any) are never touched; only processes this script
# started are signalled, by PID.
#
# Needs root (for `ip netns`) and: ip (iproute2), dbus-daemon (dbus), avahi-daemon, avahi-browse
# (avahi-utils). Exit status: 0 passed, 1 failed, 77 prerequisites missing (never under CI=true:
# then a missing prerequisite is a failure).
set -euo pipefail

broker=${1:?usage: $0 BROKER_BINARY [tls]}
tls=${2:-}
[ -z "$tls" ] || [ "$tls" = tls ] || { echo "usage: $0 BROKER_BINARY [tls]" >&2; exit 2; }
unavailable() {
    echo "mdns-test: $*" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    exit 77
}
[ -x "$broker" ] || unavailable "no broker executable at $broker"
[ "$(id -u)" = 0 ] || unavailable "needs root for 'ip netns'"
for tool in ip dbus-daemon avahi-daemon avahi-browse ${tls:+openssl}; do
    command -v "$tool" >/dev/null || unavailable "'$tool' is missing (apt install iproute2 dbus avahi-daemon avahi-utils)"
done

namespace="broker-mdns-$$"
work=$(mktemp -d /tmp/broker-mdns.XXXXXX)
chmod 755 "$work"
cleanup() {
    # Anything still running in our namespace was started by this script.
    ip netns pids "$namespace" 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns delete "$namespace" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$namespace" || unavailable "cannot create a network namespace (ip netns add failed)"
ip -n "$namespace" link set lo up
ip -n "$namespace" link set lo multicast on

service_name="broker-mdns-test-$$"
tls_lines=""
if [ -n "$tls" ]; then
    "$(dirname "$0")/make-test-certificates.sh" "$work/tls"
    tls_lines=$(printf '    tls:\n      cert: %s\n      key: %s' "$work/tls/server.pem" "$work/tls/server.key")
fi
cat >"$work/config.yaml" <<EOF
sources:
  - type: mock
sinks:
  - type: websocket
    host: 127.0.0.1
    port: 8765
    path: /telemetry
    mdns:
      name: $service_name
$tls_lines
EOF

# Everything below runs inside the namespace, in a mount namespace of its own (ip netns exec makes
# one) where a tmpfs hides the host's /run: our D-Bus socket and avahi's pid file live there.
cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
work=$1 broker=$2 service_name=$3
mount -t tmpfs -o mode=755 broker-mdns-run /run
mkdir -p /run/dbus /run/avahi-daemon
started=()
# SIGTERM, then SIGKILL after 2 s (a daemon may have inherited SIGTERM blocked), then reap.
stop_started() {
    for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${started[@]}"; do
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_started EXIT

cat >"$work/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
cat >"$work/avahi.conf" <<EOF
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
[publish]
publish-hinfo=no
publish-workstation=no
EOF

dbus-daemon --config-file="$work/dbus.conf" --nofork --nopidfile >"$work/dbus.log" 2>&1 &
started+=($!)
for _ in $(seq 100); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.05; done
[ -S /run/dbus/system_bus_socket ] || { echo "FAIL: the private D-Bus did not start" >&2; exit 1; }

avahi-daemon -f "$work/avahi.conf" --no-drop-root --no-chroot --no-rlimits --no-proc-title >"$work/avahi.log" 2>&1 &
started+=($!)
for _ in $(seq 100); do avahi-browse -at >/dev/null 2>&1 && break; sleep 0.1; done

"$broker" --config "$work/config.yaml" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
started+=($broker_pid)

found=""
for _ in $(seq 100); do
    found=$(avahi-browse -rpt _iracingws._tcp 2>/dev/null | grep "^=;.*;$service_name;" || true)
    [ -n "$found" ] && break
    sleep 0.1
done
if [ -z "$found" ]; then
    echo "FAIL: $service_name not found by avahi-browse" >&2
    cat "$work/broker.err" >&2
    exit 1
fi
echo "FOUND $found"

kill -TERM "$broker_pid"
for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$broker_pid" 2>/dev/null; then
    echo "FAIL: the broker did not stop within 5 s of SIGTERM" >&2
    exit 1
fi
wait "$broker_pid" || { echo "FAIL: the broker exited with status $?" >&2; cat "$work/broker.err" >&2; exit 1; }
echo "BROKER-LOG $(grep -c 'mDNS: advertising' "$work/broker.err") advertising line(s), $(grep -c 'mDNS: cannot' "$work/broker.err") failure line(s)"

for _ in $(seq 50); do
    if ! avahi-browse -rpt _iracingws._tcp 2>/dev/null | grep -q "^=;.*;$service_name;"; then
        echo "GONE"
        exit 0
    fi
    sleep 0.1
done
echo "FAIL: $service_name still advertised after the broker stopped" >&2
exit 1
INSIDE

ip netns exec "$namespace" bash "$work/inside.sh" "$work" "$(realpath "$broker")" "$service_name"
