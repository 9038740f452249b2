#!/usr/bin/env bash
# lint.self_contained: nothing in the repository cites files a user who clones it does not have (the design notes
# that preceded the project, or a folder beside the checkout); the docs in docs/ carry what they said, each fact
# with its primary source.
#
# usage: self_contained.sh SOURCE_DIR
set -u
root=${1:?usage: self_contained.sh SOURCE_DIR}
cd "$root" || exit 2
pattern='(MODEL|FORMATS|PERFORMANCE|STYLE)\.md|shared/(design|bench)|\.\./shared'
# Tracked files when this is a git checkout, else every file but build trees; this script names the pattern.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files | grep -v '^tests/lint/self_contained.sh$')
else
  files=$(find . -type f -not -path './build/*' -not -path './.git/*' -not -name self_contained.sh)
fi
hits=$(echo "$files" | xargs grep -nE "$pattern" 2>/dev/null)
if [ -n "$hits" ]; then
  echo "$hits"
  echo "lint.self_contained: cite docs/ (or the xha / xen-api source) instead"
  exit 1
fi
echo "ok" | grep -qE "$pattern" && { echo "lint.self_contained: the pattern matches anything"; exit 1; }
echo "MODEL.md" | grep -qE "$pattern" || { echo "lint.self_contained: the pattern no longer catches a citation"; exit 1; }
echo "lint.self_contained: nothing cites files outside the repository"
