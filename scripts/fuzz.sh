#!/usr/bin/env bash
# Builds the fuzzers in Fuzz/ (libFuzzer + AddressSanitizer) and runs each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      default: 60 s, every target
#
# Targets: FuzzInSim (InSim TCP framer, decoder, session model, UDP datagrams, OutGauge),
# FuzzIRSDK (irsdk header/variables/rows, .ibt files, live-map polls), FuzzSessionInfo (session-info
# YAML repair + parse), FuzzConfig (the config loader with every built-in plugin), FuzzWebSocket (the
# WebSocket sink's upgrade admission, command parser and subscriptions), FuzzMQTT (the MQTT client's
# decoder and connection state, the mqtt source's restoring of remote sources).
#
# Everything lives in .build-fuzz/ (git-ignored): the build, the seeds (rebuilt each run from
# Fuzz/seeds.py and ../shared/data when present), the corpora (kept between runs, so later runs
# start where earlier ones stopped) and findings/<target>/ (crash-*, timeout-*, oom-* inputs).
# Exits 1 if any target crashed, hung (one input over 10 s) or ran out of memory; a finding is
# replayed with `.build-fuzz/debug/<Target> <file>`.
set -uo pipefail

seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$root/.build-fuzz
shared=${FUZZ_SHARED_DATA:-$root/../shared/data}
all_targets=(FuzzInSim FuzzIRSDK FuzzSessionInfo FuzzConfig FuzzWebSocket FuzzMQTT)
targets=("${@:-${all_targets[@]}}")

# Largest input per target: a few dozen packets; a compact irsdk file; a session-info text (the real
# ones are 10 to 15 KB; larger ones only slow the fuzzer down, the parser is linear); a config; a
# few WebSocket messages of up to max_message_bytes (4096); a few MQTT packets (the target's publish
# limit is 512 bytes, so longer ones are skipped).
declare -A max_len=([FuzzInSim]=4096 [FuzzIRSDK]=262144 [FuzzSessionInfo]=16384 [FuzzConfig]=8192 [FuzzWebSocket]=8192 [FuzzMQTT]=8192)

echo "fuzz: building (debug, -O, -sanitize=fuzzer,address) into $scratch"
mkdir -p "$scratch"
build() {
    # -O: the unoptimised build runs 3x fewer inputs per second; bounds checks stay on at -O.
    swift build --package-path "$root/Fuzz" --scratch-path "$scratch" -c debug \
        -Xswiftc -O -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 \
        | tee "$scratch/build.log" | grep -v "ld.gold: warning: Cannot export local symbol"
    return "${PIPESTATUS[0]}"
}
if ! build; then
    # SwiftPM keeps the build plan of a path dependency (the broker) between runs, so after a pull
    # that renamed or removed a broker source file it stops with "missing inputs". Without the plan
    # it plans again (about 30 s) and still recompiles only what changed.
    grep -q "because of missing inputs" "$scratch/build.log" || { echo "fuzz: the build failed" >&2; exit 2; }
    echo "fuzz: the saved build plan names files that are gone; planning again"
    rm -f "$scratch/debug.yaml"
    build || { echo "fuzz: the build failed" >&2; exit 2; }
fi
bin=$scratch/debug
for target in "${targets[@]}"; do
    [ -x "$bin/$target" ] || { echo "fuzz: $target was not built" >&2; exit 2; }
done

seeds=$scratch/seeds
rm -rf "$seeds"
python3 "$root/Fuzz/seeds.py" "$seeds" "$shared" || exit 2
FUZZ_WRITE_SEEDS="$seeds/FuzzConfig" "$bin/FuzzConfig" >/dev/null 2>&1
cp "$root/config.yaml" "$seeds/FuzzConfig/repo-config.yaml"

# Swift's runtime keeps metadata caches and globals alive until exit, which LeakSanitizer reports
# as leaks; growth that matters still stops the run through -rss_limit_mb.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1

failed=()
for target in "${targets[@]}"; do
    corpus=$scratch/corpus/$target
    findings=$scratch/findings/$target
    mkdir -p "$corpus" "$findings"
    echo "fuzz: $target for ${seconds} s (corpus $(ls "$corpus" | wc -l) inputs, seeds $(ls "$seeds/$target" | wc -l))"
    log=$scratch/$target.log
    # Inputs that once found a bug (Fuzz/regressions/<Target>/) are run first, every time.
    regressions=()
    [ -d "$root/Fuzz/regressions/$target" ] && regressions=("$root/Fuzz/regressions/$target")
    "$bin/$target" "$corpus" "$seeds/$target" "${regressions[@]}" \
        -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1
    status=$?
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" "$log" | sed "s/^/  /"
    if [ $status -ne 0 ]; then
        failed+=("$target")
        echo "fuzz: $target FAILED (exit $status); log $log" >&2
        grep -E "ERROR|SUMMARY|Fatal error|Test unit written|panic|timeout after" "$log" | head -12 | sed "s/^/  /" >&2
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: findings in ${failed[*]} (inputs under $scratch/findings/)" >&2
    exit 1
fi
echo "fuzz: no crash, hang or out-of-bounds access in ${targets[*]}"
