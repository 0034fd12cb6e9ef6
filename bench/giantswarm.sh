#!/usr/bin/env bash
# Giant Swarm's real releases through examples/bump and the shipped policy
# (examples/bump/giantswarm.yaml): every pair of consecutive releases of a provider (capa and
# azure, archived ones included, in semver order, pre-releases before their release), and
# seeded violations that must fail.
#
#   bash bench/giantswarm.sh CLONE [PROVIDER...]
# CLONE is a git copy of giantswarm/releases (a work tree or a bare repository).
set -euo pipefail
cd "$(dirname "$0")/.."
clone=${1:?usage: bench/giantswarm.sh CLONE [PROVIDER...]}
shift
providers=("${@:-capa}")
[ $# -gt 0 ] || providers=(capa azure)
[ -d "$clone/.git" ] && clone=$clone/.git
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
go build -o "$w/bump" ./examples/bump
go build -o "$w/semsort" ./bench/semsort
pass=0 total=0
for p in "${providers[@]}"; do
  mkdir -p "$w/$p"
  git -C "$clone" ls-tree -r --name-only HEAD "$p" | grep '/release\.yaml$' >"$w/$p.files"
  while read -r f; do
    v=$(basename "$(dirname "$f")"); v=${v#v}
    git -C "$clone" show "HEAD:$f" >"$w/$p/$v.yaml"
    echo "$v"
  done <"$w/$p.files" | "$w/semsort" >"$w/$p.order"
  prev=
  while read -r v; do
    if [ -n "$prev" ]; then
      total=$((total+1))
      if "$w/bump" -policy examples/bump/giantswarm.yaml -prev "$w/$p/$prev.yaml" -next "$w/$p/$v.yaml" >"$w/out" 2>&1; then
        pass=$((pass+1))
      else
        echo "FAIL $p $prev -> $v:"; sed 's/^/    /' "$w/out"
      fi
    fi
    prev=$v
  done <"$w/$p.order"
done
echo "giantswarm/releases: $pass/$total consecutive pairs pass with examples/bump/giantswarm.yaml"

# Seeded violations, made from a real pair of each kind: each must fail.
last=$(tail -1 "$w/capa.order" 2>/dev/null || true)
if [ -n "$last" ]; then
  base=$w/capa/$last.yaml
  caught=0 seeded=0
  seed() { # name, sed script applied to the next release, version of the next release
    seeded=$((seeded+1))
    sed -E "$2" "$base" >"$w/seed.yaml"
    if "$w/bump" -policy examples/bump/giantswarm.yaml -prev "$base" -next "$w/seed.yaml" >"$w/out" 2>&1; then
      echo "NOT CAUGHT: $1"
    else
      caught=$((caught+1)); echo "caught: $1: $(grep -m1 "FAIL" "$w/out" | sed "s|$w/||g")"
    fi
  }
  IFS=. read -r ma mi pa <<<"$last"
  patch="$ma.$mi.$((pa+1))" major="$((ma+1)).0.0"
  seed "a Kubernetes minor in a patch release" "/name: kubernetes/{n;s/version: ([0-9]+)\\.([0-9]+)\\.[0-9]+/version: \\1.99.0/};s/^  name: (.*)-$last\$/  name: \\1-$patch/"
  seed "a Kubernetes downgrade" "/name: kubernetes/{n;s/version: ([0-9]+)\\.([0-9]+)\\.[0-9]+/version: \\1.1.0/};s/^  name: (.*)-$last\$/  name: \\1-$major/"
  seed "an unbumped release" "/name: flatcar/{n;s/version: .*/version: 9999.0.0/}"
  seed "a release version that goes down" "/name: flatcar/{n;s/version: .*/version: 9999.0.0/};s/^  name: (.*)-$last\$/  name: \\1-1.0.0/"
  echo "seeded violations: $caught/$seeded caught"
fi
