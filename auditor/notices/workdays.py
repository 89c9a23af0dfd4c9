"""Working days for a 整改期限: not a weekend, not an official holiday, and the make-up working days
(调休上班) of the State Council's yearly holiday notice counted, as the maintained package
chinesecalendar knows them. A year it does not cover is counted Monday to Friday and named, so that
the operator is told to check the date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar


@dataclass
class Deadline:
    date: dt.date
    uncovered_years: list[int] = field(default_factory=list)    # counted Mon–Fri, holidays not known


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(working day?, known to the holiday calendar?)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:         # a year the package has no holiday notice for
        return day.weekday() < 5, False


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The day that is the `days`-th working day after `start` (start itself not counted)."""
    day, counted, uncovered = start, 0, set()
    while counted < days:
        day += dt.timedelta(days=1)
        working, known = is_working_day(day)
        if not known:
            uncovered.add(day.year)
        counted += working
    return Deadline(day, sorted(uncovered))


def uncovered_warning(years: list[int]) -> str:
    """The terminal line for years without holiday data ('' when there are none)."""
    if not years:
        return ""
    listed = "、".join(f"{y} 年" for y in years)
    return (f"提示：节假日数据未覆盖 {listed}，这些年份按周一至周五计算工作日，未扣除法定节假日、"
            "未计入调休上班日，请核对整改期限。")
