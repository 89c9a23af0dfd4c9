"""After a run: the latest results as reviewers act on them (latest.py) and their decisions read
back from the workbook (workbook_import.py)."""
