#!/usr/bin/env bash
# Istio's grafana.com dashboards, both ways: for each istio tag given (default 1.20.0 and
# 1.30.0), the dashboards of manifests/addons/dashboards externalized by releasekit
# (artifacts/dashboard) and by release-builder's own build.Grafana (bench/istiografana/
# rbgrafana.go, built inside a copy of release-builder's source), compared field by field.
#
#   bash bench/istiografana.sh SRC_DIR [TAG...]
# SRC_DIR holds git copies of istio and release-builder, as <name> or istio+<name>/repo.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "$1" && pwd)
shift
tags=("$@")
if [ ${#tags[@]} -eq 0 ]; then tags=(1.20.0 1.30.0); fi
w=$(mktemp -d)
trap 'chmod -R u+w "$w" 2>/dev/null || true; rm -rf "$w"' EXIT
source bench/istiorb.sh
istio=$(repo_of istio)
mkdir -p "$w/bin"
build_rb "$(repo_of release-builder)" "$istio" "$w" bench/istiografana/rbgrafana.go "$w/bin/rbgrafana"
go build -o "$w/bin/istiografana" ./bench/istiografana
for tag in "${tags[@]}"; do
  version=$tag
  d=$w/$tag
  mkdir -p "$d/work/src/istio.io/istio"
  git -C "$istio" archive "$tag" manifests/addons/dashboards | tar -x -C "$d/work/src/istio.io/istio"
  "$w/bin/rbgrafana" -dir "$d" -version "$version" >"$d/rb.log" 2>&1 || { echo "release-builder failed on $tag:"; tail -3 "$d/rb.log"; continue; }
  "$w/bin/istiografana" -src "$d/work/src/istio.io/istio/manifests/addons/dashboards" -rb "$d/out/grafana" -version "$version"
done
