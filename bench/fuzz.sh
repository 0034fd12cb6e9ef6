#!/usr/bin/env bash
# Every fuzz target of the module, one after the other, each for the given time; prints each
# target's executions and whether it found a crasher (kept under the package's
# testdata/fuzz/<target>/, where `go test` replays it from then on).
#
#   bash bench/fuzz.sh [duration, e.g. 10m]   (default 1m)
set -uo pipefail
cd "$(dirname "$0")/.."
time=${1:-1m}
status=0
while IFS=: read -r file target; do
  pkg=./$(dirname "$file")
  log=$(mktemp)
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc -eq 0 ]; then
    printf '%-48s %-14s %12s execs  0 crashers\n' "$pkg" "$target" "${execs:-?}"
  else
    printf '%-48s %-14s %12s execs  CRASHER\n' "$pkg" "$target" "${execs:-?}"
    sed -n '/--- FAIL/,$p' "$log" | head -20
    status=1
  fi
  rm -f "$log"
done < <(grep -rhoE --include='*_test.go' -l '^func Fuzz' . | sort | while read -r f; do
  grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$f" | sed "s|^func |${f#./}:|"
done)
exit $status
