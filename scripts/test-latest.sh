#!/bin/sh
# The batch and hardening tests again, under the newest release of every dependency (no
# constraints): a new release that breaks a run (pandas 3 did) fails CI, not an office's cron job.
set -eu
cd "$(dirname "$0")/.."
python3 -m venv .venv-latest
.venv-latest/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e ".[test]"
.venv-latest/bin/python -c "import pandas, numpy; print('最新版本：pandas', pandas.__version__, 'numpy', numpy.__version__)"
.venv-latest/bin/python -m pytest -p no:cacheprovider -m "slow or not slow" \
  tests/test_missing_agency.py tests/test_hardening.py tests/test_cli_run.py tests/test_real_reports.py \
  tests/test_audit_sample.py tests/test_duplicates.py tests/test_monthly.py tests/test_page_chrome.py \
  tests/test_crash_discipline.py tests/test_fs_states.py tests/test_regex_bounds.py tests/test_odd_fields.py \
  tests/test_cluster.py tests/test_cluster_units.py
