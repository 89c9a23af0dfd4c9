"""A template filled in: docxtpl on a SANDBOXED Jinja environment (a template may come from anyone's
desk), undefined names refused, values XML-escaped. Report text in a value is printed as it is —
Jinja never evaluates a value, so 「{{ }}」 or 「{% %}」 in a message stays text."""
from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

NOTICE_TEMPLATE = "整改通知.docx"
RESULT_TEMPLATE = "审核结果单.docx"


class TemplateProblem(Exception):
    """A template that cannot be filled in; `message` is Chinese and names the template."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def default_template(name: str) -> bytes:
    return resources.files("auditor.notices").joinpath("templates").joinpath(name).read_bytes()


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def _open(data: bytes, label: str) -> DocxTemplate:
    try:
        return DocxTemplate(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise TemplateProblem(f"模板 {label} 不是可用的 Word 文档（.docx）：{exc}") from None


def check_template(data: bytes, label: str, known: set[str]) -> None:
    """Refuse a template that does not parse or names a placeholder we do not fill."""
    template = _open(data, label)
    try:
        names = template.get_undeclared_template_variables(_environment())
    except TemplateError as exc:
        raise TemplateProblem(f"模板 {label} 的占位符写法有误：{_why(exc)}") from None
    unknown = sorted(names - known)
    if unknown:
        raise TemplateProblem(f"模板 {label} 中有未知的占位符：{'、'.join(unknown)}；"
                              f"可用的占位符：{'、'.join(sorted(known))}（见 README「整改通知」）")


def render(data: bytes, label: str, context: dict[str, object]) -> bytes:
    """The filled-in document as bytes (nothing is written on a failure)."""
    template = _open(data, label)
    try:
        template.render(context, jinja_env=_environment(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
    except TemplateError as exc:
        raise TemplateProblem(f"模板 {label} 无法填写：{_why(exc)}") from None
    except (etree.XMLSyntaxError, ValueError, KeyError) as exc:
        raise TemplateProblem(f"模板 {label} 填写后不是有效的 Word 文档（占位符可能拆断了表格或段落）：{exc}") from None
    return out.getvalue()


def read_template(path: Path | None, name: str) -> tuple[bytes, str]:
    """(bytes, label) of the operator's template, or of the shipped one."""
    if path is None:
        return default_template(name), f"（内置）{name}"
    try:
        return Path(path).read_bytes(), str(path)
    except OSError as exc:
        raise TemplateProblem(f"无法读取模板 {path}：{exc.strerror or exc}") from None


def _why(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    text = str(exc.message or exc)
    if "is undefined" in text:
        text = f"未知的占位符或字段（{text.replace(' is undefined', '')}）"
    return text if line is None else f"{text}（模板内部第 {line} 行附近）"
