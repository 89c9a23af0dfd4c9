"""The engine reports exactly what it reported before issue 14 rebuilt it (rule kinds as units, the
pipeline in stages, fast paths behind one switch, the findings contract): the findings of the
sample reports and of every generated variant equal the reference written by the code before
(tests/findings_golden.py says how it was made and when it may be rewritten)."""
from __future__ import annotations

import pytest

from .findings_golden import build_inbox, comparable, load_golden
from .run_cli import in_process

pytestmark = pytest.mark.slow      # a corpus of about 200 reports


def test_findings_of_every_sample_and_variant_are_those_of_the_reference(tmp_path):
    files = build_inbox(tmp_path / "inbox")
    assert len(files) > 150
    done = in_process("run", "inbox", "--out", "out", "--full", cwd=tmp_path)
    assert done.returncode in (0, 3), done.stderr.decode()
    now, before = comparable(tmp_path / "out"), load_golden()
    assert len(before) > 2000
    lost, gained = sorted(set(before) - set(now)), sorted(set(now) - set(before))
    assert (lost, gained) == ([], []), "与参照不同：\n" + "\n".join(
        [f"- {row}" for row in lost[:15]] + [f"+ {row}" for row in gained[:15]])
    assert now == before       # the same findings, each as often

