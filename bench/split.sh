#!/usr/bin/env bash
# The demo release built on one machine, against the same release built as 4 shards run at once
# on this machine and merged (examples/build -kinds/-platforms, then -merge), side by side in
# one run. Reports each median wall-clock time, the critical path (the slowest shard plus the
# merge) as a ratio of the single build, and whether the two releases are the same bytes.
#
#   bash bench/split.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
go build -o "$w/build" ./examples/build
mirror=$(go run ./bench/samplesetup "$w/p")
m="$w/p/manifest.yaml"
b() { "$w/build" -manifest "$m" -mirror "$mirror" -jobs 2 "$@" >/dev/null 2>&1; }
b -out "$w/warm/out" # the Go build cache, warm for both
secs() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
shard() { b -out "$w/$1/out" "${@:2}"; }
for i in $(seq "$runs"); do
  rm -rf "$w"/single "$w"/s1 "$w"/s2 "$w"/s3 "$w"/s4 "$w"/merged
  echo "single $(secs b -out "$w/single/out")"
  start=$(date +%s.%N)
  for s in 1 2 3 4; do
    case $s in
      1) args=(-kinds archive -platforms linux/amd64,linux/arm64) ;;
      2) args=(-kinds archive,debian -platforms darwin/arm64,windows/amd64,linux/amd64,linux/arm64 -names 'deb/*,*darwin*,*windows*') ;;
      3) args=(-kinds docker,helm) ;;
      4) args=(-kinds sources,licenses,grafana) ;;
    esac
    ( echo "shard$s $(secs shard "s$s" "${args[@]}")" >"$w/t$s" ) &
  done
  wait
  cat "$w"/t1 "$w"/t2 "$w"/t3 "$w"/t4
  echo "merge $(secs b -out "$w/merged/out" -merge "$w/s1/out,$w/s2/out,$w/s3/out,$w/s4/out")"
  if diff -r "$w/single/out" "$w/merged/out" >/dev/null; then echo "same 1"; else echo "same 0"; fi
done >"$w/times"
median() { grep "^$1 " "$w/times" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
single=$(median single) merge=$(median merge)
slowest=0
for s in 1 2 3 4; do
  t=$(median "shard$s")
  printf 'shard %d        %6.2f s\n' "$s" "$t"
  if (( $(echo "$t > $slowest" | bc) )); then slowest=$t; fi
done
printf 'single build   %6.2f s\n' "$single"
printf 'merge          %6.2f s\n' "$merge"
printf 'critical path  %6.2f s (slowest shard + merge) = %.2f x the single build\n' "$(echo "$slowest + $merge" | bc)" "$(echo "($slowest + $merge) / $single" | bc -l)"
printf 'same bytes     %s of %s runs\n' "$(grep -c '^same 1' "$w/times")" "$runs"
