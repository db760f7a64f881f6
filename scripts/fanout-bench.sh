#!/usr/bin/env bash
# The fan-out benchmark of BENCHMARKS.md in one run: for each client count, the release broker over
# ws://, the same over wss:// (TLS on, certificates made for the run), and the floor server
# (../shared/tools/wsfloor: one send() per client per frame) at the broker's message size; then
# the ratios broker/floor (SPEC 9: within 1.3x) and tls/plain (the cost of TLS).
#
#   scripts/fanout-bench.sh [ws-load options]      default: --clients 200,1000 --duration 8
#
# Expects the release broker at .build/release/broker (`make build`) and ws-load at
# Benchmarks/.build/release/ws-load (`make bench` builds both; BROKER and WS_LOAD override the
# paths); builds wsfloor into Benchmarks/.build/ with cc. Loopback only; ws-load starts each server
# itself and stops it by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
broker=${BROKER:-.build/release/broker}
ws_load=${WS_LOAD:-Benchmarks/.build/release/ws-load}
floor_source=../shared/tools/wsfloor/wsfloor.c
floor=Benchmarks/.build/wsfloor
for binary in "$broker" "$ws_load"; do
    [ -x "$binary" ] || { echo "fanout-bench: $binary is missing: run 'make bench' (or build it) first" >&2; exit 2; }
done
[ -f "$floor_source" ] || { echo "fanout-bench: $floor_source is missing (../shared beside the checkout)" >&2; exit 2; }
if [ ! -x "$floor" ] || [ "$floor_source" -nt "$floor" ]; then
    mkdir -p "$(dirname "$floor")"
    cc -O2 -o "$floor" "$floor_source" -lcrypto
fi
certificates=$(mktemp -d /tmp/fanout-bench-tls.XXXXXX)
trap 'rm -rf "$certificates"' EXIT
scripts/make-test-certificates.sh "$certificates"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

arguments=("$@")
[ ${#arguments[@]} -gt 0 ] || arguments=(--clients 200,1000 --duration 8)
echo "fanout-bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, uptime:$(uptime | sed 's/.*load average/ load average/')"
"$ws_load" --broker "$broker" --floor "$floor" --port "$port" \
    --tls-cert "$certificates/server.pem" --tls-key "$certificates/server.key" --tls-ca "$certificates/ca.pem" "${arguments[@]}"
echo "fanout-bench: done, uptime:$(uptime | sed 's/.*load average/ load average/')"
