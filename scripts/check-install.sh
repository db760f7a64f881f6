#!/usr/bin/env bash
# `make install` into a scratch folder (nothing outside it is written), then check what it wrote:
# the systemd unit with `systemd-analyze verify` (loads it offline; nothing is started), the paths
# filled into it, and the installed config with the installed binary's `validate`.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=$stage/usr/local
sysconf=$stage/etc
unitdir=$stage/systemd
make --no-print-directory install PREFIX="$prefix" SYSCONFDIR="$sysconf" UNITDIR="$unitdir" >/dev/null
unit=$unitdir/broker.service
fail() { echo "check-install: FAIL: $*" >&2; exit 1; }
[ -x "$prefix/bin/broker" ] || fail "no executable at $prefix/bin/broker"
grep -q "^ExecStart=$prefix/bin/broker --config $sysconf/telemetry-broker/config.yaml$" "$unit" || fail "ExecStart does not name the installed paths"
! grep -q '@[A-Z]*@' "$unit" || fail "unfilled placeholder in $unit"
# verify exits non-zero on errors; its warnings (e.g. about the host's own units) go to stderr too,
# so the unit's own lines are what is checked.
if ! out=$(systemd-analyze verify "$unit" 2>&1); then
    echo "$out" >&2
    fail "systemd-analyze verify rejected the unit"
fi
if echo "$out" | grep -F "broker.service" >&2; then fail "systemd-analyze verify has remarks on the unit"; fi
"$prefix/bin/broker" validate --config "$sysconf/telemetry-broker/config.yaml" >/dev/null || fail "the installed config does not validate"
# A second install keeps a config the user edited.
echo "# edited" >> "$sysconf/telemetry-broker/config.yaml"
make --no-print-directory install PREFIX="$prefix" SYSCONFDIR="$sysconf" UNITDIR="$unitdir" >/dev/null
grep -q "^# edited$" "$sysconf/telemetry-broker/config.yaml" || fail "make install overwrote an existing config"
echo "check-install: PASS (unit verified by systemd-analyze, paths filled in, config validates, an edited config kept)"
