#!/usr/bin/env bash
# Resolving a dependency by a tag constraint, cold, in a generated repository of realistic size
# (default 20,000 commits, 2,000 tags, 300 MB of history), three ways side by side in one run:
# releasekit's resolver (ref list, then the one commit at depth 1, then the checkout), the
# whole-history fetch (resolve.WithHistory, what the resolver did before) and
# `git clone --depth 1 --branch <tag>`, each with its checkout. Time is wall-clock seconds;
# bytes are the objects fetched from the remote (the cache's, or the clone's .git/objects: git
# sends a pack of them). The remote is served over file://, so git speaks its pack protocol as
# with a network remote.
#
#   bash bench/resolve.sh [commits] [tags] [mb] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
commits=${1:-20000}
tags=${2:-2000}
mb=${3:-300}
runs=${4:-3}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
go build -o "$w/resolvecmd" ./bench/resolvecmd
git init --quiet --bare "$w/remote.git"
echo "generating $commits commits, $tags tags, $mb MB of history…" >&2
go run ./bench/genhistory -commits "$commits" -tags "$tags" -mb "$mb" | git -C "$w/remote.git" fast-import --quiet
git -C "$w/remote.git" gc --quiet
url="file://$w/remote.git"
last=$((tags - 1))
want="~1.$last"

measure() { # name dir objects command…: seconds, then bytes of the objects folders
  local name=$1 dir=$2 objects=$3; shift 3
  rm -rf "$dir"
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  local bytes
  bytes=$(du -scb --apparent-size $dir/$objects | tail -1 | cut -f1)
  echo "$name $(echo "$end - $start" | bc) $bytes"
}
for i in $(seq "$runs"); do
  measure ours "$w/ours" "cache/git/*/objects" "$w/resolvecmd" -url "$url" -tag "$want" -dir "$w/ours"
  measure full "$w/full" "cache/git/*/objects" "$w/resolvecmd" -url "$url" -tag "$want" -dir "$w/full" -history
  measure depth1 "$w/depth1" ".git/objects" git -c advice.detachedHead=false clone --quiet --depth 1 --branch "v1.$last.0" "$url" "$w/depth1"
done >"$w/times"
# The median run of each, and the ratios to the depth-1 clone.
median() { grep "^$1 " "$w/times" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bytes() { grep "^$1 " "$w/times" | tail -1 | cut -d' ' -f3; }
echo "remote: $commits commits, $tags tags, $(du -sh "$w/remote.git" | cut -f1) on disk; median of $runs runs"
printf '%-8s %10s %14s %10s %10s\n' "" seconds bytes time/d1 bytes/d1
d1t=$(median depth1) d1b=$(bytes depth1)
for k in full ours depth1; do
  t=$(median "$k") b=$(bytes "$k")
  printf '%-8s %10.2f %14d %10.2f %10.2f\n' "$k" "$t" "$b" "$(echo "$t / $d1t" | bc -l)" "$(echo "$b / $d1b" | bc -l)"
done
