#!/bin/sh
# Build a wheelhouse for an intranet (政务内网) without package-registry access: the program's own
# wheel and a wheel of every dependency at the version pinned in constraints.txt, for one target
# Python and platform. Run it on a machine with registry access, copy the folder across, then on the
# intranet machine (README「安装」):
#   python3 -m venv .venv && .venv/bin/python -m pip install --no-index --find-links wheelhouse gov-report-auditor
#
# Usage: sh scripts/build-wheelhouse.sh [FOLDER] [pip download options]
#   FOLDER defaults to wheelhouse/. Without options the target is the Python running this script
#   ($PYTHON, else python3) on this platform, and the wheelhouse is then checked: installed with
#   --no-index into a throw-away virtual environment, which runs `auditor rules list`.
#   For another target give pip's platform options (pip then takes wheels only); the wheelhouse is
#   checked with a dry-run install for that target. A Linux server with Python 3.11 and glibc 2.28 or
#   newer (Debian 10+, Ubuntu 20.04+, RHEL/CentOS 8+, Kylin V10; `ldd --version` tells):
#     sh scripts/build-wheelhouse.sh wheelhouse-linux-py311 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --python-version 3.11 --only-binary=:all:
#   Windows desktops (Python 3.12, 64-bit):
#     sh scripts/build-wheelhouse.sh wheelhouse-win-py312 --platform win_amd64 --python-version 3.12 --only-binary=:all:
#   Linux on ARM: the same with manylinux_2_28_aarch64 and manylinux2014_aarch64. The target's Python
#   must be 3.11 or newer; glibc older than 2.28 (CentOS 7) has no numpy wheel at the pinned version.
set -eu
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
out=${1:-wheelhouse}
[ $# -gt 0 ] && shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/gov_report_auditor-*.whl

# The program itself: pure Python, one wheel for every platform (built from a copy of the sources, so
# the work tree gets no build/ or egg-info).
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar cf - --exclude=__pycache__ --exclude='*.egg-info' pyproject.toml README.md MANIFEST.in constraints.txt \
  auditor rules examples | tar xf - -C "$src"
"$py" -m pip wheel -q --no-deps -w "$out" "$src"
wheel=$(ls "$out"/gov_report_auditor-*.whl)

# Every dependency at its pinned version, as wheels (a dependency published only as source is built
# into a wheel here when the target is this machine; for another target pip needs its wheel).
if [ $# -gt 0 ]; then
  "$py" -m pip download -q -d "$out" -c constraints.txt "$@" "$wheel"
else
  "$py" -m pip wheel -q -w "$out" -c constraints.txt "$wheel"
fi
echo "wheelhouse：$out（$(ls "$out" | grep -c '\.whl$') 个 wheel）"

if [ $# -gt 0 ]; then
  # the resolver, for the target, with nothing but the wheelhouse: every dependency must be there
  PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_FIND_LINKS="$out" \
    "$py" -m pip install -q --dry-run --ignore-installed --no-index --find-links "$out" --target "$src/target" \
    "$@" gov-report-auditor
  echo "自检通过：目标平台的依赖齐全（按目标平台试装，未实际安装）。"
  exit 0
fi
# Check as the intranet will use it: no registry, no configured mirrors, only the wheelhouse.
venv="$src/venv"
"$py" -m venv "$venv"
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_FIND_LINKS="$out" \
  "$venv/bin/python" -m pip install -q --no-index --find-links "$out" gov-report-auditor
(cd "$venv" && "$venv/bin/auditor" rules list >/dev/null)
echo "自检通过：在不连网的新虚拟环境中从 wheelhouse 安装，auditor rules list 可以运行。"
