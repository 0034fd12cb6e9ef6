#!/usr/bin/env bash
# Istio's branch cut, both ways, on local copies of Istio's ten real repositories (the list of
# release-builder's release/branch.sh): each step of the istio plan run by examples/branch for
# real into bare copies, and the same step run by release-builder's own pkg/branch functions
# (bench/istiobranch/rbstep.go, built inside a copy of release-builder's source) on checkouts of
# other bare copies. Per step and repository it prints whether the two results are equal: for
# step 2 the release branch each side creates, for the others the tree releasekit pushed to
# automatedBranchStep<N> (or the base's, when it changed nothing) against the checkout's tree
# after release-builder's step.
#
#   bash bench/istiobranch.sh SRC_DIR [VERSION]
# SRC_DIR holds a git copy of each repository, as <name> or istio+<name>/repo. Steps 4 and 5
# start from release-<VERSION> at master on both sides. Offline, steps 1 and 3 need what the
# repositories' own commands fetch (GitHub clones, modules), and release-builder reads
# build-tools' tags from gcr.io in step 5: where that fails, the script says so. releasekit reads
# them from a local registry holding the tag tools' build-and-push.sh makes for the release
# branch's head, so its step 5 runs; the IMAGE_VERSION line then differs by the tag alone.
# PLAN=FILE runs another plan than branch/plans/istio.yaml (an older one, to compare).
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
src=$(cd "$1" && pwd)
version=${2:-1.30}
branch=release-$version
w=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  chmod -R u+w "$w" 2>/dev/null || true
  rm -rf "$w"
}
trap cleanup EXIT
names=(api client-go common-files enhancements istio proxy release-builder test-infra tools ztunnel)
source bench/istiorb.sh
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset GITHUB_TOKEN GH_TOKEN

# Bare copies of master, each a single commit of master's tree: ours for releasekit, theirs for
# release-builder. A snapshot may lack blobs (its largest files: ztunnel's vendored libraries)
# and old history, which no step reads; blobs missing from master's tree get a placeholder, the
# same on both sides, so that every copy can be cloned and checked out.
for n in "${names[@]}"; do
  r=$(repo_of "$n")
  g=$w/src/$n.git
  git clone -q --bare --no-tags --single-branch --branch master "$r" "$g"
  git -C "$g" ls-tree -r master | awk '$2 == "blob" { print $3 }' | git -C "$g" cat-file --batch-check | awk '$2 == "missing" { print $1 }' >"$w/missing"
  export GIT_INDEX_FILE=$w/index
  git -C "$g" read-tree master
  if [ -s "$w/missing" ]; then
    placeholder=$(echo "placeholder: blob missing from the copy" | git -C "$g" hash-object -w --stdin)
    git -C "$g" ls-tree -r master | grep -F -f "$w/missing" | while IFS=$'\t' read -r meta path; do
      git -C "$g" update-index --cacheinfo "${meta%% *},$placeholder,$path"
    done
    echo "$n: $(wc -l <"$w/missing") blobs missing from the copy, placeholders in their place"
  fi
  tree=$(git -C "$g" write-tree)
  unset GIT_INDEX_FILE
  c=$(GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z git -C "$g" commit-tree -m "$n at $(git -C "$g" rev-parse --short=12 master)" "$tree")
  for side in ours theirs; do
    git init -q --bare "$w/$side/$n.git"
    git -C "$g" push -q "$w/$side/$n.git" "$c:refs/heads/master"
  done
done
# release-builder, built from its source with the istio module its go.mod requires.
mkdir -p "$w/bin"
rbv=$(build_rb "$(repo_of release-builder)" "$(repo_of istio)" "$w" bench/istiobranch/rbstep.go "$w/bin/rbstep")
go build -o "$w/bin/branch" ./examples/branch
echo "$rbv, releasekit $(git rev-parse --short=12 HEAD)"

# A registry with the build-tools tag of the release branch's head, for releasekit's step 5.
tools=${TOOLS:-$HOME/.cache/releasekit-tools}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tools/crane" registry serve --address "127.0.0.1:$port" >"$w/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
tar -cf "$w/empty.tar" -T /dev/null
tag=$branch-$(git -C "$w/src/tools.git" rev-parse master)
"$tools/crane" append --insecure -f "$w/empty.tar" -t "127.0.0.1:$port/istio-testing/build-tools:$tag" >/dev/null
sed "s|image: gcr.io/istio-testing/build-tools|image: 127.0.0.1:$port/istio-testing/build-tools|" "${PLAN:-branch/plans/istio.yaml}" >"$w/istio.yaml"

{
  echo "version: \"$version\""
  echo "dependencies:"
  for n in "${names[@]}"; do echo "  $n: {git: $w/ours/$n.git, branch: master}"; done
} >"$w/manifest.yaml"
repoflags=()
for n in "${names[@]}"; do repoflags+=(-repo "$n=$w/theirs/$n.git"); done

equal=0 differ=0 failed=0
for step in 1 2 3 4 5; do
  ours=ok theirs=ok
  "$w/bin/branch" -plan "$w/istio.yaml" -manifest "$w/manifest.yaml" -version "$version" -step "$step" \
    -dry-run=false -work "$w/ours-work" >"$w/ours-$step.log" 2>&1 || ours=failed
  rm -rf "$w/rb"
  for n in "${names[@]}"; do
    base=master
    if [ "$step" -ge 4 ] && [ "$n" != test-infra ]; then base=$branch; fi
    git clone -q --branch "$base" "$w/theirs/$n.git" "$w/rb/work/src/istio.io/$n"
  done
  (cd "$w/rb" && "$w/bin/rbstep" -dir "$w/rb" -version "$version" -step "$step" "${repoflags[@]}") >"$w/theirs-$step.log" 2>&1 || theirs=failed
  echo "step $step: releasekit $ours, release-builder $theirs"
  if [ "$ours" = failed ]; then grep -a -E 'FAILED|^branch:' "$w/ours-$step.log" | sed 's/^/  releasekit: /' | head -5; fi
  if [ "$theirs" = failed ]; then grep -a -E 'rbstep:' "$w/theirs-$step.log" | sed 's/^/  release-builder: /' | head -5; fi
  if [ "$ours" = failed ] || [ "$theirs" = failed ]; then
    failed=$((failed + 1))
    continue
  fi
  for n in "${names[@]}"; do
    co=$w/rb/work/src/istio.io/$n
    if [ "$step" = 2 ]; then
      a=$(git -C "$w/ours/$n.git" rev-parse --verify -q "refs/heads/$branch" || echo none)
      b=$(git -C "$co" rev-parse --verify -q "refs/heads/$branch" || echo none)
      if [ "$a" = "$b" ]; then
        echo "  $n: equal ($branch at ${a:0:12})"; equal=$((equal + 1))
      else
        echo "  $n: differs: releasekit $branch at ${a:0:12}, release-builder at ${b:0:12}"; differ=$((differ + 1))
      fi
      continue
    fi
    base=master
    if [ "$step" -ge 4 ] && [ "$n" != test-infra ]; then base=$branch; fi
    work=automatedBranchStep$step
    if git -C "$w/ours/$n.git" rev-parse --verify -q "refs/heads/$work" >/dev/null; then ref=$work; else ref=$base; fi
    git -C "$co" add -A
    theirs_tree=$(git -C "$co" write-tree)
    git -C "$co" fetch -q "$w/ours/$n.git" "$ref"
    ours_tree=$(git -C "$co" rev-parse 'FETCH_HEAD^{tree}')
    changed=$(git -C "$co" diff --name-only "$(git -C "$co" rev-parse HEAD)" "$theirs_tree" | wc -l)
    if [ "$ours_tree" = "$theirs_tree" ]; then
      echo "  $n: equal ($changed files changed)"; equal=$((equal + 1))
    else
      echo "  $n: differs in $(git -C "$co" diff --name-only "$theirs_tree" "$ours_tree" | paste -sd, -)"
      git -C "$co" diff -U0 "$theirs_tree" "$ours_tree" | grep -E '^[-+][^-+]' | head -6 | sed 's/^/      /'
      differ=$((differ + 1))
    fi
  done
  # Both sides' release branches exist from here on (release-builder's, as its step 2 pushes them).
  if [ "$step" = 2 ]; then
    for n in "${names[@]}"; do
      [ "$n" = test-infra ] || git -C "$w/theirs/$n.git" branch "$branch" master
    done
  fi
done
echo "istio branch: $equal repository-steps equal, $differ differ, $failed steps not compared"
