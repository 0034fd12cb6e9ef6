#!/usr/bin/env bash
# The suffixes containers/automation_images really committed, read by lifecycle.ParseSuffix,
# and each transition between consecutive values checked by lifecycle.CheckSuffixChange.
#
#   bash bench/imgsfx.sh CLONE
# CLONE is a git copy of containers/automation_images (a work tree or a bare repository).
set -euo pipefail
cd "$(dirname "$0")/.."
clone=${1:?usage: bench/imgsfx.sh CLONE}
[ -d "$clone/.git" ] && clone=$clone/.git
# Every value IMG_SFX held on the first-parent history, oldest first.
for c in $(git -C "$clone" log --first-parent --reverse --format=%H -- IMG_SFX); do
  # Some commits left the file without its last newline: each value on a line of its own.
  v=$(git -C "$clone" show "$c:IMG_SFX" 2>/dev/null | head -1) && printf '%s\n' "$v"
done | go run ./bench/imgsfx
