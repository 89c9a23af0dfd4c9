"""`auditor notices`: one 整改通知 per agency and report year with findings to rectify, one 审核结果单 for
the file, from templates an office can replace (selection.py decides what may be put in front of an
agency; content.py what the documents say; render.py fills a template; workdays.py the 整改期限;
names.py file names safe on Windows; batch.py writes the folder whole)."""
