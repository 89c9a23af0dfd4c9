"""The program as an office installs it (issue 13): a wheel built from this tree, installed without the
network into a fresh virtual environment outside the repository, audits a folder of real reports from
any working directory with the national rule packs it carries, and the README's cron line runs it
as pasted, in cron's bare environment.

No test here touches the network: the wheel is built with the test environment's setuptools
(--no-build-isolation), installed with --no-index, and the new environment reaches the dependencies
of this one through a .pth file written after the install (so pip never sees this environment's
own copy of the program).
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REPORTS = ROOT / "reports_in"
SOURCES = ("pyproject.toml", "README.md", "MANIFEST.in", "auditor", "rules", "examples")
MARK = "〔安装包〕"   # appended to rule bases in the wheel only: a finding carrying it came from the wheel
BIN = "Scripts" if os.name == "nt" else "bin"
# what cron gives a job: no virtual environment, no ~/.local/bin, no locale
CRON_PATH = "/usr/bin:/bin"


def _pip_env() -> dict[str, str]:
    """pip with no configuration, mirror or index: only what the command line names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _cron_env(home: Path) -> dict[str, str]:
    return {"PATH": CRON_PATH, "HOME": str(home), "SHELL": "/bin/sh", "LOGNAME": "root"}


def _copy_sources(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def _mark_bases(rules: Path) -> set[str]:
    """Append MARK to the legal basis of every rule in this copy of rules/ (a field that findings carry
    and rule cases do not compare); the ids marked."""
    marked = set()
    for path in rules.rglob("*.yaml"):
        if path.name == "pack.yaml" or path.name.endswith(".cases.yaml"):
            continue
        text = path.read_text(encoding="utf-8")
        rule_id = re.search(r"^id: *(\S+) *$", text, re.M)
        basis = re.search(r"^basis: *([^'\"\s>|].*?) *$", text, re.M)
        if rule_id and basis and " #" not in basis.group(1):
            path.write_text(text[:basis.end(1)] + MARK + text[basis.end(1):], encoding="utf-8")
            marked.add(rule_id.group(1))
    return marked


def _build_wheel(src: Path, dist: Path) -> Path:
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("setuptools 未安装（测试依赖：pip install -c constraints.txt -e '.[test]'）")
    if int(version.split(".")[0]) < 70:
        pytest.skip(f"setuptools {version} 太旧，构建 wheel 需要 70.1 以上（pip install -c constraints.txt -e '.[test]'）")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-w", str(dist), str(src)], capture_output=True, text=True, env=_pip_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(dist.glob("gov_report_auditor-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@dataclass
class Installed:
    venv: Path
    marked: set[str]
    home: Path

    def exe(self, name: str) -> Path:
        return self.venv / BIN / name


def _install(wheel: Path, target: Path) -> Path:
    """A fresh virtual environment at target holding the wheel; dependencies from this environment."""
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / BIN / "python"
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           str(wheel)], capture_output=True, text=True, env=_pip_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()])
    (Path(purelib) / "_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def pristine_wheel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    return _build_wheel(_copy_sources(root / "src"), root / "dist")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("packaged")
    assert not root.resolve().is_relative_to(ROOT)
    src = _copy_sources(root / "src")
    marked = _mark_bases(src / "rules")
    assert len(marked) > 40
    wheel = _build_wheel(src, root / "dist")
    shutil.rmtree(src)      # nothing of the sources is left beside the installation
    return Installed(_install(wheel, root / "opt" / "auditor-venv"), marked, root)


def _office(folder: Path) -> Path:
    """An office folder: the real sample reports in reports_in/, nothing else."""
    (folder / "reports_in").mkdir(parents=True)
    for report in sorted(REPORTS.iterdir()):
        if report.is_file():
            shutil.copy2(report, folder / "reports_in" / report.name)
    return folder


def _findings(office: Path) -> list[dict]:
    latest = office / "audit_out" / "latest"
    for name in ("findings.jsonl", "findings.csv", "summary.xlsx", "data.csv"):
        assert (latest / name).is_file(), f"{name} 未写出"
    with open(latest / "findings.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _assert_from_wheel(findings: list[dict], marked: set[str]) -> None:
    ours = [f for f in findings if f["rule_id"] in marked]
    assert ours, "样例报告没有产生任何规则包中的问题"
    assert all(f["basis"].endswith(MARK) for f in ours), [f["basis"] for f in ours if not f["basis"].endswith(MARK)]


# ---------------------------------------------------------------------------------------------------
def test_wheel_holds_every_pack_fixture_schema_example_and_module(pristine_wheel):
    names = set(zipfile.ZipFile(pristine_wheel).namelist())

    def shipped(folder: Path, prefix: str, pattern: str = "*") -> list[str]:
        files = [p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
        assert files, folder
        return [prefix + p.relative_to(folder).as_posix() for p in files]

    expected = (shipped(ROOT / "rules", "auditor_packs/") + shipped(ROOT / "examples", "auditor_examples/")
                + shipped(ROOT / "auditor" / "schema", "auditor/schema/", "*.json")
                + shipped(ROOT / "auditor", "auditor/", "*.py"))
    missing = sorted(set(expected) - names)
    assert not missing, f"wheel 中缺少（新的子包须列入 pyproject.toml 的 [tool.setuptools] packages）：{missing}"
    assert any(n.startswith("auditor_packs/fixtures/") for n in names)
    assert sum(n.startswith("auditor_packs/national-2021/") and n.endswith(".cases.yaml") for n in names) > 20
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "auditor = auditor.cli:entry" in zipfile.ZipFile(pristine_wheel).read(entry).decode()


def test_installed_wheel_audits_a_folder_of_reports_from_anywhere(installed, tmp_path):
    office = _office(tmp_path / "office")
    proc = subprocess.run([str(installed.exe("auditor")), "run"], capture_output=True, text=True, cwd=office,
                          env=_cron_env(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "审核报告 4 份" in proc.stdout
    findings = _findings(office)
    assert {f["file"] for f in findings} == {f"reports_in/{p.name}" for p in REPORTS.iterdir() if p.is_file()}
    _assert_from_wheel(findings, installed.marked)
    where = subprocess.run([str(installed.exe("python")), "-c",
                            "import auditor; from auditor.cli.common import default_rules_dir as d; "
                            "from auditor.packaged import examples_dir as e; print(d()); print(e()); "
                            "print(auditor.__file__)"],
                           capture_output=True, text=True, cwd=office, env=_cron_env(tmp_path), check=True).stdout.split("\n")
    for line in where[:3]:
        assert Path(line).resolve().is_relative_to(installed.venv.resolve()), where
    assert (Path(where[1]) / "local-packs" / "huaihua-2021" / "pack.yaml").is_file()


def test_a_rules_folder_in_the_working_directory_does_not_replace_the_national_packs(installed, tmp_path):
    office = _office(tmp_path / "office")
    (office / "rules").mkdir()        # an office's own folder named rules/, empty
    proc = subprocess.run([str(installed.exe("auditor")), "run"], capture_output=True, text=True, cwd=office,
                          env=_cron_env(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _assert_from_wheel(_findings(office), installed.marked)


def test_installed_rules_commands_use_the_packaged_packs_and_fixtures(installed, tmp_path):
    env = _cron_env(tmp_path)
    listed = subprocess.run([str(installed.exe("auditor")), "rules", "list"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^SEC-TITLE\s", listed.stdout, re.M), listed.stdout[:2000]
    explained = subprocess.run([str(installed.exe("auditor")), "rules", "explain", "SEC-TITLE"], capture_output=True,
                               text=True, cwd=tmp_path, env=env, timeout=300)
    assert explained.returncode == 0 and re.search(rf"^依据：.*{MARK}$", explained.stdout, re.M), explained.stdout
    checked = subprocess.run([str(installed.exe("auditor")), "rules", "check"], capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([str(installed.exe("auditor")), "rules", "test"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=600)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr
    assert "全部通过" in tested.stdout


def _readme_cron_lines() -> list[str]:
    lines, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            fenced = line.strip() == "```cron"
            continue
        if fenced and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def test_readme_cron_line_runs_as_pasted_in_crons_environment(installed, tmp_path):
    """The README's crontab line, with every absolute path moved under tmp_path, run as cron runs it
    (/bin/sh, PATH=/usr/bin:/bin, no locale, no virtual environment) in an office folder that has
    never been audited."""
    lines = _readme_cron_lines()
    assert lines, "README 中没有 cron 行（```cron 代码块）"
    for line in lines:
        fields = line.split(None, 5)
        assert len(fields) == 6, line
        command = fields[5]
        m = re.match(r"cd (?P<office>\S+) && (?P<exe>\S+/bin/auditor) ", command)
        assert m, f"cron 行须先 cd 到办公目录，再用完整路径调用虚拟环境中的 auditor：{line}"
        world = tmp_path / "world"
        office = _office(world / m["office"].lstrip("/"))
        exe = Path(m["exe"])
        link = world / exe.parent.parent.as_posix().lstrip("/") if exe.is_absolute() else office / exe.parent.parent
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(installed.venv, target_is_directory=True)
        words = shlex.split(command)
        if "--roster" in words:
            _roster(office / words[words.index("--roster") + 1])
        mapped = re.sub(r"(^|\s)/", lambda g: f"{g.group(1)}{world}/", command)
        proc = subprocess.run(["/bin/sh", "-c", mapped], capture_output=True, text=True, env=_cron_env(world),
                              timeout=600)
        logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in office.glob("*.log"))
        assert proc.returncode == 0, f"{line}\n{proc.stdout}{proc.stderr}{logs}"
        assert "command not found" not in logs + proc.stderr and "not found" not in proc.stderr
        _assert_from_wheel(_findings(office), installed.marked)
        assert "审核报告 4 份" in logs, logs
        shutil.rmtree(world)


def _roster(path: Path) -> None:
    """A small roster: the agencies of the sample reports (names as their reports give them)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "单位类型"])
    sheet.append(["平潭综合实验区管理委员会", "人民政府"])
    sheet.append(["上海市科学技术委员会", "政府部门"])
    book.save(path)
