#!/usr/bin/env bash
# Fails when a Swift file is not formatted as `.swift-format` says. `make format` fixes it.
#   scripts/check-format.sh          lint (what `make test` runs)
#   scripts/check-format.sh --fix    format in place
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Plugins Tests Benchmarks Fuzz)
if [ "${1:-}" = --fix ]; then
    exec swift format format --in-place --recursive --parallel "${paths[@]}"
fi
if ! swift format lint --strict --recursive --parallel "${paths[@]}"; then
    echo "check-format: the files above are not formatted; run 'make format' and commit the result" >&2
    exit 1
fi
echo "check-format: every Swift file is formatted"
