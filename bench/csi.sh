#!/usr/bin/env bash
# The real Kubernetes-CSI release, run against local clones of the sidecars' repositories (and of
# csi-driver-host-path, when SRC_DIR has it): each sidecar released from its newest tag twice,
# in two folders, timed, validated, its SHA256SUMS compared; then the hostpath deployment of
# the driver's newest tag pinned to the images just built, and the version policy between the
# driver's previous and newest tags.
#
#   bash bench/csi.sh SRC_DIR [BASES]
# BASES is a file of examples/csi flags naming the pinned bases, one per line: "-base
# gcr.io/distroless/static@sha256:…", "-windows-base mcr.microsoft.com/windows/nanoserver@sha256:…"
# (1809, ltsc2022) and "-windows-addon mcr.microsoft.com/windows/servercore@sha256:…" (ltsc2019,
# ltsc2022), for where the registries can be reached. Default: local stand-ins from
# bench/csibase. Sidecars with a Dockerfile.Windows get Windows entries.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "$1" && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
go build -o "$w/csi" ./examples/csi
if [ $# -ge 2 ]; then cp "$2" "$w/bases"; else go run ./bench/csibase "$w/base" >"$w/bases"; fi
linux=($(grep '^-base ' "$w/bases"))
windows=($(grep '^-windows-' "$w/bases" || true))
releases=()
for repo in "$src"/*/; do
  repo=${repo%/}
  [ -f "$repo/release-tools/build.make" ] || continue
  tag=$(git -C "$repo" tag --list 'v*' --sort=-v:refname | head -1)
  cmds=($(git -C "$repo" show "$tag:Makefile" | sed -n 's/^CMDS *= *//p' | head -1))
  name=${cmds[0]}
  # Each command's image, its description from its Dockerfile (cmd/<command>/Dockerfile first,
  # as build.make picks it).
  flags=()
  for c in "${cmds[@]}"; do
    dockerfile=Dockerfile
    if git -C "$repo" cat-file -e "$tag:cmd/$c/Dockerfile" 2>/dev/null; then dockerfile=cmd/$c/Dockerfile; fi
    description=$(git -C "$repo" show "$tag:$dockerfile" | sed -n 's/^LABEL description="\(.*\)"$/\1/p' | head -1)
    flags+=(-name "$c")
    if [ -n "$description" ]; then flags+=(-description "$c=$description"); fi
  done
  bases=("${linux[@]}")
  if git -C "$repo" cat-file -e "$tag:Dockerfile.Windows" 2>/dev/null || git -C "$repo" cat-file -e "$tag:cmd/$name/Dockerfile.Windows" 2>/dev/null; then
    bases+=("${windows[@]}")
  fi
  for run in a b; do
    start=$(date +%s.%N)
    if ! "$w/csi" release "${flags[@]}" -git "$repo" -tag "$tag" "${bases[@]}" -dir "$w/$name-$run" >"$w/$name-$run.log" 2>&1; then
      echo "$name $tag: the release failed"; tail -20 "$w/$name-$run.log"; continue 2
    fi
    end=$(date +%s.%N)
    echo "$name $tag run $run: $(echo "$end - $start" | bc) s"
  done
  grep '^image ' "$w/$name-a.log"
  grep '^platforms ' "$w/$name-a.log" || true
  grep -E '^(PASS|FAIL|SKIP|NOTE)|^Release validation' "$w/$name-a.log" | tr '\n' ';'; echo
  if cmp -s "$w/$name-a/out/SHA256SUMS" "$w/$name-b/out/SHA256SUMS"; then
    echo "$name: two builds, the same SHA256SUMS ($(sha256sum <"$w/$name-a/out/SHA256SUMS" | cut -c1-16)…)"
  else
    echo "$name: the two builds differ"
  fi
  releases+=(-release "$w/$name-a/out")
done
hostpath="$src/csi-driver-host-path"
if [ -d "$hostpath" ] && [ ${#releases[@]} -gt 0 ]; then
  tags=($(git -C "$hostpath" tag --list 'v*' --sort=-v:refname | grep -v -- -rc | head -2))
  for t in "${tags[@]}"; do
    # The newest Kubernetes version's deployment at that tag.
    dir=$(git -C "$hostpath" ls-tree -r --name-only "$t" | grep -E '^deploy/kubernetes-[0-9.]+/hostpath/csi-hostpath-plugin.yaml$' | sort -V | tail -1)
    dir=$(dirname "$dir")
    mkdir -p "$w/deploy-$t"
    for f in $(git -C "$hostpath" ls-tree --name-only "$t:$dir/"); do
      git -C "$hostpath" show "$t:$dir/$f" >"$w/deploy-$t/$f"
    done
  done
  cp -r "$w/deploy-${tags[0]}" "$w/pinned"
  echo "== the hostpath deployment at ${tags[0]}, pinned to the sidecars just built:"
  "$w/csi" pin -deploy "$w/pinned" "${releases[@]}"
  diff -u "$w/deploy-${tags[0]}" "$w/pinned" || true
  echo "== the version policy, ${tags[1]} -> ${tags[0]}:"
  "$w/csi" policy -prev "$w/deploy-${tags[1]}" -next "$w/deploy-${tags[0]}" || true
fi
