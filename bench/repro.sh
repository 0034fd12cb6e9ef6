#!/usr/bin/env bash
# Builds the demo release twice — in different folders, time zones and umasks, the first with a
# cold Go build cache — and prints the two SHA256SUMS side by side. Exit status 1 if they differ.
#
#   bash bench/repro.sh
set -euo pipefail
cd "$(dirname "$0")/.."
w=$(mktemp -d); trap 'chmod -R u+w "$w"; rm -rf "$w"' EXIT
go build -o "$w/demo" ./examples/demo
(umask 022; TZ=UTC GOCACHE="$w/cold-gocache" "$w/demo" -dir "$w/one" >/dev/null 2>&1)
sleep 1
(umask 077; TZ=Pacific/Chatham "$w/demo" -dir "$w/second/build/here" >/dev/null 2>&1)
a=$w/one/out/SHA256SUMS b=$w/second/build/here/out/SHA256SUMS
paste -d'|' <(awk '{print substr($1,1,16) "  " $2}' "$a") <(awk '{print substr($1,1,16) "  " $2}' "$b") |
  awk -F'|' '{ printf "%-56s %s\n", $1, $2 }'
if cmp -s "$a" "$b"; then
  echo "IDENTICAL: $(sha256sum <"$a" | cut -c1-64)"
else
  echo "DIFFERENT"; diff "$a" "$b" || true; exit 1
fi
