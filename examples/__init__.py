"""Examples that ship with the program (data, not code): local-packs/ holds a complete local rule pack.

This file only makes the folder the package ``auditor_examples`` (pyproject.toml maps it onto
examples/), so that an installed program carries the examples its documentation points to.
"""
