"""Rule kinds. Each module evaluates all rules of its kind over the whole batch at once.

A kind either returns hits directly (`evaluate`) or, for the numeric kinds, plans Great
Expectations checks (`plan`) whose failing rows it turns into hits afterwards (`finish`).
"""
from . import cell_domain, identity, sections, text

DIRECT = {"sections": sections.evaluate, "text_pattern": text.evaluate_patterns,
          "statement": text.evaluate_statements}
GX = {"identity": identity, "cell_domain": cell_domain}
