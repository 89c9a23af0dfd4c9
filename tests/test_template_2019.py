"""The 2019 trial format: table 2's older blocks and table 3's single-row （六）其他处理."""
from __future__ import annotations

import pytest

from auditor.extract import extract
from auditor.ingest import read_document

from .conftest import ZIBO

T2_2019 = """二、主动公开政府信息情况

第二十条第(一)项
信息内容
本年新制作数量
本年新公开数量
对外公开总数量
规章
0
0
0
规范性文件
1
1
5
第二十条第(五)项
信息内容
上一年项目数量
本年增/减
处理决定数量
行政许可
12
-2
12258
其他对外管理服务事项
3
0
40
第二十条第(六)项
信息内容
上一年项目数量
本年增/减
处理决定数量
行政处罚
30
1
297
行政强制
4
0
136
第二十条第(八)项
信息内容
上一年项目数量
本年增/减
行政事业性收费
2
0
第二十条第(九)项
信息内容
采购项目数量
采购总金额
政府集中采购
3
251000元

"""


def to_2019(text: str) -> str:
    start, end = text.index("二、主动公开政府信息情况"), text.index("三、收到和处理政府信息公开申请情况")
    text = text[:start] + T2_2019 + text[end:]
    six, seven = text.index("(六)其他处理"), text.index("(七)总计")
    return text[:six] + "(六)其他处理\n\n" + "\n\n".join(["0"] * 7) + "\n\n" + text[seven:]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("y2019") / "report-2019.txt"
    path.write_text(to_2019(ZIBO.read_text(encoding="utf-8")), encoding="utf-8")
    return extract(read_document(path)).as_json()


def test_template_detected(report):
    assert report["template"] == "2019"
    assert report["extraction"] == {"status": "complete", "problems": []}


def test_table2_2019_keys(report):
    t2 = report["tables"]["t2"]
    assert t2["normative_documents"] == {"made": 1, "published": 1, "total_published": 5}
    assert t2["licensing"] == {"prev_items": 12, "change": -2, "decisions": 12258}
    assert t2["other_services"] == {"prev_items": 3, "change": 0, "decisions": 40}
    assert t2["admin_fees"] == {"prev_items": 2, "change": 0}
    assert t2["procurement"] == {"items": 3, "amount": 251000}
    raw = {(c["row"], c["col"]): c["raw"] for c in report["cells"] if c["table"] == "t2"}
    assert raw[("procurement", "amount")] == "251000元"


def test_table3_single_other_row(report):
    t3 = report["tables"]["t3"]
    assert "other" in t3 and "other_fee_unpaid" not in t3
    assert t3["other"]["total"] == 0 and t3["total_processed"]["total"] == 4
    assert len([c for c in report["cells"] if c["table"] == "t3"]) == 23 * 7
