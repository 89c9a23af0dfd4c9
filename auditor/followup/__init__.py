"""Rectification follow-up (整改跟踪): notified findings become items in the ledger, each run
re-checks the items still open against the agency's current report, and every run keeps its
per-report verdicts, so `auditor history` can tell an agency's story year by year.

  store    the ledger tables (items, their history, each run's verdicts) and their doors
  status   the pure function that moves an item from one status to the next
  follow   the run's part: verdicts and item updates, inside the run's one transaction
  sheet    the 整改跟踪 sheet's frame
"""
