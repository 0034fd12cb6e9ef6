#!/usr/bin/env bash
# Pinning 1,000 image references (500 distinct images) in one values file against an in-process
# registry: examples/pin (parallel, one HEAD per distinct tag) against a loop of
# `crane digest` v0.22.1 over the same references, side by side in one run.
#
#   bash bench/pin.sh [runs]
# crane is taken from $CRANE, or installed into ${TOOLS:-/tmp/releasekit-tools}.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tools=${TOOLS:-/tmp/releasekit-tools}
crane=${CRANE:-$tools/crane}
if [ ! -x "$crane" ]; then
  GOBIN=$tools go install github.com/google/go-containerregistry/cmd/crane@v0.22.1
fi
w=$(mktemp -d)
go build -o "$w/pin" ./examples/pin
go build -o "$w/pinregistry" ./bench/pinregistry
"$w/pinregistry" -images 500 -refs 1000 -dir "$w" >"$w/host" &
reg=$!
trap 'kill $reg 2>/dev/null; rm -rf "$w"' EXIT
while [ ! -s "$w/host" ]; do sleep 0.1; done

rk() { cp "$w/values.yaml" "$w/pinned.yaml"; "$w/pin" -jobs 16 "$w/pinned.yaml" >/dev/null; }
cr() { while read -r ref; do "$crane" digest --insecure "$ref"; done <"$w/refs.txt" >"$w/crane.out"; }
rk; cr   # warm both

measure() { local f=$1; shift; local TIMEFORMAT='%R %U %S'; { time "$@"; } 2>>"$f"; }
for i in $(seq "$runs"); do measure "$w/rk.times" rk; measure "$w/cr.times" cr; done
# Both see the same digests.
grep -o 'sha256:[0-9a-f]*' "$w/pinned.yaml" | diff -q - "$w/crane.out" >/dev/null && echo "digests: identical" || { echo "digests differ" >&2; exit 1; }
awk -v n="$runs" '
  FILENAME ~ /rk.times$/ { rw += $1; rc += $2 + $3 }
  FILENAME ~ /cr.times$/ { cw += $1; cc += $2 + $3 }
  END {
    printf "releasekit pin  %.3f s per file, %.2f s CPU (mean of %d)\n", rw/n, rc/n, n
    printf "crane digest    %.3f s per file, %.2f s CPU (mean of %d)\n", cw/n, cc/n, n
    printf "ratio           %.3fx wall (target <= 0.2x)\n", rw/cw
  }' "$w/rk.times" "$w/cr.times"
