"""Shared fixtures (the sample report, its answer key, the national rule packs, `auditor …` run in this
process) and the table of slow tests that plain `pytest` leaves out."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "reports_in"
RULES = ROOT / "rules"
ZIBO = SAMPLES / "zibo-gaoxin-police-2022.txt"


def _keys_path() -> Path:
    """Answer keys: the shared copy when present, else the copy shipped in tests/data."""
    shared = ROOT.parent / "shared" / "reports" / "keys.yaml"
    return shared if shared.exists() else ROOT / "tests" / "data" / "keys.yaml"


@pytest.fixture(scope="session")
def keys() -> dict:
    data = yaml.safe_load(_keys_path().read_text(encoding="utf-8"))
    return {r["file"]: r for r in data["reports"]}


@pytest.fixture(scope="session")
def packs():
    from auditor.rules.loader import load_packs

    return load_packs(RULES)


@pytest.fixture(scope="session")
def zibo_text() -> str:
    return ZIBO.read_text(encoding="utf-8")


class Done(NamedTuple):
    """What a command run in this process gave: its exit code and what it printed."""
    code: int
    out: str
    err: str


@pytest.fixture
def auditor_main():
    """`auditor …` in this process (tests/run_cli.py `in_process`), for tests of what a command does
    rather than of the process itself: (exit code, stdout, stderr) as text."""
    from .run_cli import in_process

    def run(*args: str | Path, cwd: Path | None = None) -> Done:
        done = in_process(*args, cwd=cwd)
        return Done(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    return run


@pytest.fixture
def cli(auditor_main):
    """`auditor run --rules rules/ …` in this process, the engine version pinned."""
    def run(*args: str | Path) -> Done:
        return auditor_main("run", "--rules", RULES, *args)
    return run


# ---------------------------------------------------------------- slow tests
#
# Plain `pytest` is the edit loop and must stay under a minute on two cores: it leaves out the tests
# marked slow, which `pytest -m slow` runs (README command 2 and .ci/run run both). A test is slow when
# it starts processes (a killed or crashing run, spawn, a wheel, LibreOffice), runs many examples
# (hypothesis, a generated corpus, every relayout) or a scenario of several runs, or took 0.5 s or more
# (`pytest --durations=0`, 2-core machine, December 2026). They are listed here, by file, rather than
# decorated one by one: one table to read and to re-measure; `@pytest.mark.slow` at a test works too.
# tests/test_slow_marks.py checks that every name here is a test that exists.

SLOW_FILES = {
    "test_absent_and_dismissed.py": "months of runs",
    "test_corpus.py": "a generated corpus of 60 reports, audited as a process",
    "test_crash_discipline.py": "crashing, killed and dying processes",
    "test_rectification_cycle.py": "an office's months: runs, a workbook import, notices, re-laid-out corrections",
    "test_duplicates.py": "several runs per test",
    "test_engine_errors.py": "runs with the Great Expectations process and background writers",
    "test_evidence.py": "headless Chromium and an auditor run",
    "test_fs_states.py": "several runs per test",
    "test_month_state.py": "a month's run before each test",
    "test_packaging.py": "builds and installs a wheel",
    "test_parallel_rules.py": "forked rule workers",
    "test_properties.py": "hypothesis",
    "test_run_summary.py": "a run before each test",
    "test_windows.py": "spawned processes",
    "test_cluster.py": "a Dask LocalCluster (two node processes) and runs on it",
}
SLOW_TESTS = {
    "test_cluster_units.py": {"test_an_unreachable_scheduler_is_said_in_chinese_and_nothing_is_recorded",
                              "test_an_unchanged_month_does_not_need_the_cluster"},
    "test_claims.py": {"test_number_matching_no_reading_is_reported_with_readings_tried",
                       "test_each_allowed_reading_is_consistent"},
    "test_cli_chinese.py": {"test_a_decision_by_prefix_and_chinese_word_shows_in_the_next_workbook",
                            "test_decide_accepts_the_workbook_words",
                            "test_a_side_file_that_cannot_be_read_is_one_chinese_sentence",
                            "test_waiver_rule_ids_in_any_case"},
    "test_cli_run.py": {"test_fail_on_error_exit_code"},
    "test_domain_facts.py": {"test_unknown_publication_date_is_never_on_time",
                             "test_workbook_deadline_agrees_with_finding_under_local_pack"},
    "test_gx_backend.py": {"test_fresh_process_prints_nothing"},
    "test_hardening.py": {"test_accepted_file_sizes_stay_within_the_memory_budget", "test_yaml_that_crashes_the_loader",
                          "test_each_hostile_file_read_alone",
                          "test_invisible_character_in_a_number_cell_does_not_accuse_the_agency",
                          "test_catastrophic_regex_does_not_hang_the_run", "test_billion_laughs_stops_the_cli_run_with_exit_2",
                          "test_catastrophic_regex_is_refused_by_rules_check", "test_circular_pack_extension_through_the_cli"},
    "test_html_layout_tables.py": {"test_random_compositions_of_layouts_change_nothing",
                                   "test_every_layout_of_every_report_is_built"},
    "test_ingest_docx_pdf.py": {"test_pdf_reading_speed"},
    "test_ledger.py": {"test_a_first_run_hashes_while_reading_and_the_next_run_reuses"},
    "test_missing_agency.py": {"test_run_with_untitled_files_completes"},
    "test_odd_fields.py": {"test_cli_batch_of_files_missing_their_fields", "test_batch_with_odd_fields_is_audited"},
    "test_office_formats.py": {"test_converted_doc_gives_the_docx_findings", "test_doc_renamed_docx_is_converted",
                               "test_a_hanging_converter_is_stopped_with_its_children",
                               "test_doc_that_is_really_a_docx_is_read_without_libreoffice",
                               "test_run_goes_on_past_a_refused_doc"},
    "test_page_chrome.py": {"test_variants_read_the_same_cells"},
    "test_pdf_layouts.py": {"test_reportlab_table_cut_across_pages_reads_exactly", "test_the_committed_pdfs_have_the_layouts"},
    "test_regex_bounds.py": {"test_a_backtracking_regex_does_not_hang_the_run",
                             "test_the_report_it_ran_too_long_on_gets_an_extraction_finding",
                             "test_other_reports_and_rules_are_unaffected", "test_the_bound_holds_in_the_rule_workers_too",
                             "test_a_search_that_runs_out_of_time_raises",
                             "test_claim_rule_with_an_optional_group_that_does_not_take_part"},
    "test_relayout.py": {"test_any_relayout_never_gains_an_accusation", "test_pdf_headings_spaced_split_or_furnished",
                         "test_relayout_gains_no_accusation"},
    "test_search.py": {"test_bounded_regex_matches_as_re_does", "test_finder_matches_as_re_does_on_odd_characters",
                       "test_search_shapes_same_as_re", "test_rule_regex_same_as_re"},
    "test_variants.py": {"test_form_extracts_the_sample_tables", "test_form_with_distinct_values",
                         "test_form_audits_like_the_sample", "test_merged_layout_is_read_as_merged"},
    "test_waivers.py": {"test_cli_writes_waiver_sheet"},
}
# every test that uses one of these fixtures: a run of every hostile file as a process
SLOW_FIXTURES = {"hostile_run"}


def is_slow(item: pytest.Item) -> bool:
    name = item.path.name
    function = getattr(item, "originalname", None) or item.name
    return (name in SLOW_FILES or function in SLOW_TESTS.get(name, ()) or
            bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))))


@pytest.hookimpl(tryfirst=True)      # before `-m "not slow"` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
