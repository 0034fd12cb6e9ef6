#!/usr/bin/env bash
# Pinning a real umbrella chart through its templates: kube-prometheus-stack with its four
# subcharts (grafana, kube-state-metrics, prometheus-node-exporter, prometheus-windows-exporter),
# laid out from git copies of their public repositories, pinned by `examples/pin -chart` offline
# from a lock of synthetic digests. Reports seconds per chart and renders per chart, beside one
# `helm template` of the same chart in the same run.
#
#   bash bench/pinchart.sh MIRROR [runs]
# MIRROR holds <owner>+<name>/repo git copies of prometheus-community/helm-charts and
# grafana/helm-charts. The helm CLI is $RELEASEKIT_HELM, else ${TOOLS:-$HOME/.cache/releasekit-tools}/helm.
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${1:?usage: bench/pinchart.sh MIRROR [runs]}
runs=${2:-3}
helm=${RELEASEKIT_HELM:-${TOOLS:-$HOME/.cache/releasekit-tools}/helm}
prom=cf408a290aec489277a94450bb3511432477a53a grafana=f7410c6487b021ca64a302c97ed82cfa077d0089
git_dir() { local d=$mirror/${1/\//+}/repo; [ -d "$d/.git" ] && d=$d/.git; echo "$d"; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
lay() { mkdir -p "$w/chart/$1"; git -C "$(git_dir "$2")" archive --format=tar "$3:$4" | tar -x -C "$w/chart/$1"; }
lay kps prometheus-community/helm-charts $prom charts/kube-prometheus-stack
for sub in kube-state-metrics prometheus-node-exporter prometheus-windows-exporter; do
  lay kps/charts/$sub prometheus-community/helm-charts $prom charts/$sub
done
lay kps/charts/grafana grafana/helm-charts $grafana charts/grafana
go build -o "$w/pin" ./examples/pin

# The lock: a digest for every reference the chart renders or pin lists (sha256 of the reference).
{ "$helm" template x "$w/chart/kps" --kube-version 1.34.0 | sed -n 's/^[ -]*image: *"\{0,1\}\([^"@ ]*\)"\{0,1\} *$/\1/p'
  (cd "$w/chart" && "$w/pin" -chart kps -check -offline 2>&1 || true) | grep -o '[a-z0-9.-]*\.[a-z]*/[a-z0-9._/-]*:[A-Za-z0-9._-]\+'
} | sort -u >"$w/refs"
{ echo "images:"; while read -r r; do echo "  \"$r\": sha256:$(printf %s "$r" | sha256sum | cut -d' ' -f1)"; done <"$w/refs"; } >"$w/lock.yaml"

pin() { rm -rf "$w/run"; cp -r "$w/chart/kps" "$w/run"; "$w/pin" -chart "$w/run" -offline -lock "$w/lock.yaml" >"$w/pin.out" 2>"$w/pin.err"; }
tpl() { "$helm" template x "$w/chart/kps" --kube-version 1.34.0 >/dev/null; }
measure() { local f=$1; shift; local TIMEFORMAT='%R'; { time "$@"; } 2>>"$f"; }
for _ in $(seq "$runs"); do measure "$w/pin.times" pin; measure "$w/tpl.times" tpl; done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(median "$w/pin.times") t=$(median "$w/tpl.times")
images=$(grep -c 'pinnable\|pinned' "$w/pin.out" || true)
renders=$(sed -n 's/.*: \([0-9]*\) renders proved the pins/\1/p' "$w/pin.err")
echo "kube-prometheus-stack + 4 subcharts: $images rendered images pinned, $renders renders per chart"
echo "pin -chart: ${p}s per chart; helm template: ${t}s; ratio $(awk -v a="$p" -v b="$t" 'BEGIN {printf "%.1f", a/b}')x (median of $runs, $(nproc) cores)"
