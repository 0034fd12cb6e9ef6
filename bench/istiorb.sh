# Helpers of the bench scripts that run Istio's release-builder beside releasekit; sourced.

# repo_of NAME prints the git copy of Istio's repository NAME in $src: $src/NAME or
# $src/istio+NAME/repo (the layout of fetched mirrors).
repo_of() {
  for c in "$src/$1" "$src/istio+$1/repo"; do
    if [ -e "$c" ] && git -C "$c" rev-parse --git-dir >/dev/null 2>&1; then echo "$c"; return; fi
  done
  echo "no copy of $1 in $src" >&2
  return 1
}

# build_rb RB ISTIO WORK HARNESS OUT builds HARNESS (a Go file of package main with the ignore
# build tag) inside a copy of release-builder's source at RB's master, with the istio module its
# go.mod requires taken from the git copy ISTIO, as OUT; it prints what it built from.
build_rb() {
  local rb=$1 istio=$2 w=$3 harness=$4 out=$5 pin
  mkdir -p "$w/rb-src" "$w/rb-istio"
  git -C "$rb" archive master | tar -x -C "$w/rb-src"
  pin=$(awk '$1 == "istio.io/istio" { print $2; exit }' "$w/rb-src/go.mod")
  git -C "$istio" archive "${pin##*-}" | tar -x -C "$w/rb-istio"
  mkdir -p "$w/rb-src/cmd/harness"
  cp "$harness" "$w/rb-src/cmd/harness/main.go"
  (cd "$w/rb-src" && go mod edit -replace "istio.io/istio=$w/rb-istio" && GOFLAGS=-mod=mod go build -o "$out" ./cmd/harness/main.go)
  echo "release-builder $(git -C "$rb" rev-parse --short=12 master) (istio.io/istio $pin)"
}
