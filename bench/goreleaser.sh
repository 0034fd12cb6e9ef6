#!/usr/bin/env bash
# The demo release's binaries (4 platforms), archives, debs and checksums, with warm Go build
# caches: releasekit (examples/build) against goreleaser v2.16.0 doing the same work, side by
# side in one run. Each run starts from empty output folders.
#
#   bash bench/goreleaser.sh [runs]
# goreleaser is taken from $GORELEASER, or installed into ${TOOLS:-/tmp/releasekit-tools}.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tools=${TOOLS:-/tmp/releasekit-tools}
gr=${GORELEASER:-$tools/goreleaser}
if [ ! -x "$gr" ]; then
  GOBIN=$tools go install github.com/goreleaser/goreleaser/v2@v2.16.0
fi
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
go build -o "$w/build" ./examples/build
go run ./examples/demo -dir "$w/demo" >/dev/null 2>&1   # writes the sample repository
src=$w/demo/src/hello

cat >"$w/manifest.yaml" <<YAML
version: 0.1.0
docker: registry.example/demo
directory: $w/rk
outputs: [archive, debian]
dependencies:
  hello:
    git: https://git.example/hello.git
    tag: v0.1.0
    spec: release/releasekit.yaml
YAML

cat >"$w/goreleaser.yaml" <<YAML
version: 2
project_name: hello
dist: $w/gr/dist
builds:
  - id: hello
    main: ./cmd/hello
    binary: hello
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    ldflags: ["-X main.version={{.Version}} -X main.commit={{.Commit}}"]
    targets: [linux_amd64_v1, linux_arm64, darwin_arm64, windows_amd64_v1]
    mod_timestamp: "{{ .CommitTimestamp }}"
archives:
  - formats: [tar.gz]
    format_overrides: [{goos: windows, formats: [zip]}]
    files: [LICENSE, README.md]
    wrap_in_directory: true
nfpms:
  - package_name: hello
    maintainer: Hello Authors <hello@example.com>
    description: Says hello.
    license: MIT
    formats: [deb]
    contents: [{src: LICENSE, dst: /usr/share/doc/hello/copyright}]
checksum: {name_template: SHA256SUMS}
release: {disable: true}
changelog: {disable: true}
YAML

rk() { rm -rf "$w/rk/out" "$w/rk/work"; "$w/build" -manifest "$w/manifest.yaml" -mirror "https://git.example/hello.git=$src" >/dev/null 2>&1; }
gr() { rm -rf "$w/gr"; (cd "$src" && "$gr" release --snapshot --clean --skip=validate --config "$w/goreleaser.yaml" >/dev/null 2>&1); }
rk; gr   # warm both Go build caches and releasekit's repository cache

# Wall and CPU (user+sys, children included) seconds of one call, appended to the named file.
measure() { local f=$1; shift; local TIMEFORMAT='%R %U %S'; { time "$@"; } 2>>"$f"; }
for i in $(seq "$runs"); do measure "$w/rk.times" rk; measure "$w/gr.times" gr; done
ls "$w/rk/out" "$w/rk/out/deb" | tr '\n' ' '; echo
ls "$w/gr/dist" | tr '\n' ' '; echo
awk -v n="$runs" '
  FILENAME ~ /rk.times$/ { rw += $1; rc += $2 + $3 }
  FILENAME ~ /gr.times$/ { gw += $1; gc += $2 + $3 }
  END {
    printf "releasekit  %.2f s per release, %.2f s CPU (mean of %d)\n", rw/n, rc/n, n
    printf "goreleaser  %.2f s per release, %.2f s CPU (mean of %d)\n", gw/n, gc/n, n
    printf "ratio       %.2fx wall (target <= 0.5x), %.2fx CPU\n", rw/gw, rc/gc
  }' "$w/rk.times" "$w/gr.times"
