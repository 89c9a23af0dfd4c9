"""Which package may import which: the rule files' package never needs the engine (the case runner
that does lives in auditor/rulecases.py), and the benchmark never needs the tests (tests may use
bench, not the other way round). Read from the source with ast, so a lazy import inside a function
counts as much as one at the top."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module `path` imports, relative imports resolved against `package` (its dotted name)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)
    return found


def offenders(folder: Path, forbidden: str) -> list[str]:
    """`file: module` for every import of `forbidden` (or a module inside it) under `folder`."""
    out = []
    for path in sorted(folder.rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for module in sorted(imported_modules(path, package)):
            if module == forbidden or module.startswith(forbidden + "."):
                out.append(f"{path.relative_to(ROOT)}: {module}")
    return out


def test_the_rules_package_never_imports_the_engine():
    assert offenders(ROOT / "auditor" / "rules", "auditor.engine") == []


def test_bench_never_imports_the_tests():
    assert offenders(ROOT / "bench", "tests") == []


def test_the_import_reader_sees_relative_and_lazy_imports(tmp_path):
    """The check can fail: a lazy relative import of the engine, as rules/cases.py once had, is seen."""
    source = tmp_path / "auditor" / "rules" / "cases.py"
    source.parent.mkdir(parents=True)
    source.write_text("def run():\n    from ..engine import audit\n    return audit\n", encoding="utf-8")
    assert "auditor.engine" in imported_modules(source, "auditor.rules")
    assert "auditor.engine.audit" in imported_modules(source, "auditor.rules")
    source.write_text("from tests import variants as V\n", encoding="utf-8")
    assert "tests" in imported_modules(source, "bench")


def test_every_package_of_the_program_is_listed_for_the_wheel():
    """pyproject.toml lists the wheel's packages by name (two of them are data folders mapped from
    rules/ and examples/): a new sub-package missing from that list would be missing from an
    installed program, which only the slow packaging test would notice."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    present = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "auditor").rglob("__init__.py")
               if "__pycache__" not in p.parts}
    assert present - listed == set(), "pyproject.toml [tool.setuptools] packages 缺少这些子包"
    assert {"auditor_packs", "auditor_examples"} <= listed
