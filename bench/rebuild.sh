#!/usr/bin/env bash
# A no-op rebuild (same manifest, same release directory) against a cold build (new release
# directory, work folder and Go build cache), measured side by side in one run.
#
#   bash bench/rebuild.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test ./artifacts -run '^$' -bench 'BenchmarkBuild' -benchtime "${1:-3}x" -count 1)
echo "$out" | grep Benchmark
echo "$out" | awk '/BenchmarkBuild\/cold/ {c=$3} /BenchmarkBuild\/noop/ {n=$3}
  END { printf "no-op rebuild / cold build = %.2f%% (target <= 3%%)\n", 100*n/c }'
