"""The same report saved in the encodings offices meet reads to the same canonical structure."""
from __future__ import annotations

import codecs

import pytest

from auditor.extract import extract
from auditor.ingest import ReadError, read_document

from .conftest import ZIBO


@pytest.fixture(scope="module")
def reference():
    return extract(read_document(ZIBO)).as_json()


@pytest.mark.parametrize("encoding,bom", [
    ("gb18030", b""), ("gbk", b""), ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
])
def test_encodings_extract_identically(tmp_path, reference, encoding, bom):
    text = ZIBO.read_text(encoding="utf-8")
    if encoding == "gbk":
        text = text.replace("\xa0", " ").replace("•", "·")  # no GBK code for NBSP or •
    path = tmp_path / "report.txt"
    path.write_bytes(bom + text.encode(encoding))
    got = extract(read_document(path)).as_json()
    assert got["tables"] == reference["tables"]
    assert got["meta"] == reference["meta"]
    assert [s["title"] for s in got["sections"]] == [s["title"] for s in reference["sections"]]
    assert got["extraction"]["status"] == "complete"


def test_fullwidth_digits_in_every_cell(tmp_path, reference):
    text = ZIBO.read_text(encoding="utf-8")
    start = text.index("三、收到和处理政府信息公开申请情况")
    wide = text[:start] + text[start:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = tmp_path / "wide.txt"
    path.write_text(wide, encoding="utf-8")
    assert extract(read_document(path)).as_json()["tables"]["t3"] == reference["tables"]["t3"]


def test_binary_garbage_is_a_read_error(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ReadError, match="二进制"):
        read_document(path)
