#!/bin/sh
# Builds and runs the exhaustive float check (see main.swift). Arguments: optional bit range in hex.
set -e
here=$(cd "$(dirname "$0")" && pwd)
json="$here/../../Sources/BrokerCore/JSON"
out="${TMPDIR:-/tmp}/float-exhaustive"
swiftc -O -wmo -module-name FloatExhaustive "$json/ShortestFloat.swift" "$json/JSONCursor.swift" "$here/main.swift" -o "$out"
exec "$out" "$@"
