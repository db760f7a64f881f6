#!/usr/bin/env bash
# Soak test: the broker (mock source at 60 Hz, WebSocket sink on a free loopback port, mDNS off)
# under 200 clients of every kind (normal, slow, reconnecting, garbage, connection floods) for a
# bounded time, with its memory sampled; see scripts/soak.py for what is checked. Then a second,
# short run of the same with the sink on TLS (wss:// only, a CA and certificate made for the run).
#
#   scripts/soak.sh [SECONDS]      default 600; `make test` runs it for 60 s
#
# Environment: SOAK_CLIENTS (default 200), SOAK_JSON (also write the JSON report to this file; the
# TLS run's goes beside it, NAME.tls.json), SOAK_TLS_SECONDS (default 20; 0 skips
# the TLS run).
# Uses .build/release/broker (`make soak` builds it first), else .build/debug/broker, else builds
# the release one. A debug build is far slower (on 2 cores it delivers about half the frames to 200
# clients at 60 Hz), so with it the starvation and memory checks fail: use it to shake out crashes
# only. Exits non-zero when a check fails. Everything stays on loopback, and only the broker
# process the soak started is ever signalled.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
case "$seconds" in
    '' | *[!0-9]*) echo "usage: scripts/soak.sh [SECONDS]" >&2; exit 2 ;;
esac

broker=""
for candidate in .build/release/broker .build/debug/broker; do
    if [ -x "$candidate" ]; then
        broker=$candidate
        break
    fi
done
if [ -z "$broker" ]; then
    echo "soak: no broker build found; building the release one" >&2
    swift build -c release --product broker
    broker=.build/release/broker
fi
if [ "$broker" = .build/debug/broker ]; then
    echo "soak: warning: using the debug build, which cannot serve 200 clients at 60 Hz on a small machine;" \
        "build the release one (make build) for meaningful figures" >&2
fi

if ! python3 -c "import websockets" 2>/dev/null; then
    echo "soak: needs python3 with the websockets package (make setup-test installs it)" >&2
    exit 2
fi

echo "soak: $broker, ${seconds} s, ${SOAK_CLIENTS:-200} clients" >&2
status=0
python3 scripts/soak.py --broker "$broker" --seconds "$seconds" --clients "${SOAK_CLIENTS:-200}" \
    ${SOAK_JSON:+--json "$SOAK_JSON"} || status=1

tls_seconds=${SOAK_TLS_SECONDS:-20}
if [ "$tls_seconds" != 0 ]; then
    command -v openssl >/dev/null || { echo "soak: the TLS run needs the openssl command (make setup-test installs it)" >&2; exit 2; }
    certificates=$(mktemp -d /tmp/broker-soak-tls.XXXXXX)
    trap 'rm -rf "$certificates"' EXIT
    scripts/make-test-certificates.sh "$certificates"
    echo "soak: TLS run, $broker, ${tls_seconds} s, ${SOAK_CLIENTS:-200} clients over wss://" >&2
    python3 scripts/soak.py --broker "$broker" --seconds "$tls_seconds" --clients "${SOAK_CLIENTS:-200}" \
        --tls-dir "$certificates" ${SOAK_JSON:+--json "${SOAK_JSON%.json}.tls.json"} || status=1
fi
exit $status
