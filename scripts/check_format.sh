#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format's layout (Debian 12's clang-format 14;
# other versions format a few constructs differently). Fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*\.[ch]pp:[0-9]*' | cut -d: -f1 | sort -u || true)
if [ -n "$bad" ]; then
  echo "format: these files differ from .clang-format (run: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i):" >&2
  echo "$bad" | sed 's/^/  /' >&2
  exit 1
fi
echo "format: ok ($(git ls-files '*.cpp' '*.hpp' | wc -l) files)"
