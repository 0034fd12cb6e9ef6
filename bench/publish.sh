#!/usr/bin/env bash
# Publishing 20 images that share an 8 MiB base to the CNCF distribution registry (v3.1.2):
# releasekit against a loop of `crane push` (v0.22.1) of the same images, side by side in one
# run, each to a fresh registry behind a counting proxy; then a re-publish with releasekit.
# Reports both times and their ratio, the blob bytes each sent against the distinct blob
# bytes, and the requests per image of the re-publish.
#
#   bash bench/publish.sh [runs]
# The registry and crane are installed into ${TOOLS:-$HOME/.cache/releasekit-tools}.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tools=${TOOLS:-$HOME/.cache/releasekit-tools}
if [ ! -x "$tools/registry" ]; then
  GOBIN=$tools go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2
fi
if [ ! -x "$tools/crane" ]; then
  GOBIN=$tools go install github.com/google/go-containerregistry/cmd/crane@v0.22.1
fi
RELEASEKIT_REGISTRY=$tools/registry RELEASEKIT_CRANE=$tools/crane \
  go test ./publish -run '^$' -bench '^BenchmarkPublish$' -benchtime "${runs}x" | grep -E '^Benchmark'
