"""The national rule packs (YAML data, not code).

This file only makes the folder the package ``auditor_packs`` (pyproject.toml maps it onto rules/),
so that the packs and their fixtures ship inside the wheel and an installed ``auditor`` finds them
from any working directory (auditor/cli/common.py default_rules_dir).
"""
