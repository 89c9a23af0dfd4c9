#!/bin/sh
# Refresh constraints.txt: the newest releases that pyproject.toml admits, installed into a
# throw-away virtual environment and frozen. Run it, run the tests (README command 2), commit both.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q -e ".[test]"
{
  echo "# Pinned versions for README commands 1 and 2 (pip install -c constraints.txt)."
  echo "# Made by scripts/refresh-constraints.sh on $(date -u +%Y-%m-%d) with $("$tmp/venv/bin/python" -V)."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^gov-report-auditor'
} > constraints.txt
rm -rf "$tmp"
echo "constraints.txt 已更新：$(grep -vc '^#' constraints.txt) 个软件包"
