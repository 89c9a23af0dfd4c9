"""Rule kinds. Each module evaluates all rules of its kind over the whole batch at once.

A kind either returns hits directly (`DIRECT`) or, for the numeric kinds, plans Great
Expectations checks (`plan`) whose failing rows it turns into hits afterwards (`finish`).
"""
from . import cell_domain, cross_year, identity, publication, sections, text, text_number
from .bounded import bounded

DIRECT = {"sections": sections.evaluate, "text_pattern": text.evaluate_patterns,
          "statement": text.evaluate_statements, "text_length": text.evaluate_length,
          "text_number": text_number.evaluate, "publication": publication.evaluate_publication,
          "report_fact": publication.evaluate_fact, "table_rows": publication.evaluate_rows,
          "cross_year": cross_year.evaluate}
DIRECT = {kind: bounded(evaluate) for kind, evaluate in DIRECT.items()}   # regexes: time-bounded per report
GX = {"identity": identity, "cell_domain": cell_domain}
