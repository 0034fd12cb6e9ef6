#!/usr/bin/env bash
# Archiving + checksumming 1 GiB of mixed files: releasekit's tar.gz writer (streamed through
# SHA-256) against `tar -c | pigz -p2` plus `sha256sum`, side by side in one run.
# Prints both throughputs, their ratio, and the peak RSS of each.
#
#   bash bench/archive.sh [dataset-dir]   (default: a cached dataset under ${TMPDIR:-/tmp})
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${TMPDIR:-/tmp}/releasekit-bench-tree}
command -v pigz >/dev/null || { echo "pigz is needed: apt-get install pigz" >&2; exit 1; }

if [ ! -f "$data/.complete" ]; then
  # 1 GiB: a third random (incompressible), a third text-like, a third zeros-heavy, in files of
  # 4 KiB to 16 MiB, as a release's binaries, manifests and samples are.
  rm -rf "$data"; mkdir -p "$data"
  go run ./bench/gentree "$data" 1073741824
  touch "$data/.complete"
fi
bytes=$(du -sb --exclude=.complete "$data" | cut -f1)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Warm the page cache so both read from memory.
tar -cf - -C "$data" . >/dev/null

go test -c -o "$work/archive.test" ./internal/archive
/usr/bin/time -f '%e %M' -o "$work/rk.time" \
  env RELEASEKIT_BENCH_TREE="$data" "$work/archive.test" -test.run '^$' -test.bench BenchmarkWriteTree -test.benchtime 1x >/dev/null
/usr/bin/time -f '%e %M' -o "$work/pigz.time" \
  bash -c "tar -C '$data' -cf - . | pigz -p2 | tee '$work/ref.tar.gz' | sha256sum >/dev/null"

read -r rk_s rk_kb <"$work/rk.time"
read -r pz_s pz_kb <"$work/pigz.time"
awk -v b="$bytes" -v rs="$rk_s" -v rk="$rk_kb" -v ps="$pz_s" -v pk="$pz_kb" 'BEGIN {
  printf "dataset              %.2f GiB\n", b/1073741824
  printf "releasekit archive   %6.1f MiB/s  %6.1f s  peak RSS %5.0f MiB\n", b/rs/1048576, rs, rk/1024
  printf "tar | pigz -p2 + sum %6.1f MiB/s  %6.1f s  peak RSS %5.0f MiB (largest process)\n", b/ps/1048576, ps, pk/1024
  printf "throughput ratio     %.2fx (target >= 0.8x)\n", ps/rs
}'
