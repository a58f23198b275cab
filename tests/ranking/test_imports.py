"""Registration exports: per-person or per-grid, csv (GBK) or xlsx; importing a day twice changes
nothing; unknown grids and people are reported, kept and not counted."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from fanzha.domain.tabular import CellUnreadable, read_cell
from fanzha.errors import UserFacingError
from fanzha.ranking.models import AppRegistration, GridDailyCount, RegistrationImport, RejectedRegistrationRow
from fanzha.ranking.services.imports import (
    REGISTRATION_TABLE,
    batch_of,
    import_registrations,
    record_door_visit,
)
from fanzha.stations.models import Grid, Resident, User

pytestmark = pytest.mark.django_db
DAY = next(c for c in REGISTRATION_TABLE.columns if c.field == "day")


def unregistered(n: int) -> list[Resident]:
    return list(Resident.objects.filter(app_registration__isnull=True).order_by("id")[:n])


def persons_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["姓名,身份证号码,注册手机号,注册时间"] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_person_export_in_gbk_counts_known_people_once_and_keeps_the_rest() -> None:
    a, b, c = unregistered(3)
    data = persons_csv(
        [
            (a.name, a.id_number.lower(), "", "2026-10-20 09:31:00"),
            ("某人", "", c.phone, "2026/10/21"),
            (a.name, a.id_number, "", "2026年10月22日"),  # same person again: counted once
            ("查无", "110101199001011234", "", "2026-10-20"),
            (b.name, b.id_number, "", "2026-13-01"),
            ("空白", "", "", "2026-10-20"),
        ]
    )
    total_before = AppRegistration.objects.count()
    result = import_registrations(data, "export.csv")
    assert not result.already_imported
    assert (
        batch_of(result).kind,
        batch_of(result).rows,
        batch_of(result).created,
        batch_of(result).duplicates,
        batch_of(result).rejected,
    ) == (
        "persons",
        6,
        2,
        1,
        3,
    )
    assert AppRegistration.objects.count() == total_before + 2
    reg = AppRegistration.objects.get(resident=a)
    assert (reg.day, reg.grid_id, reg.batch_id) == (date(2026, 10, 20), a.grid_id, result.batch_id)
    assert AppRegistration.objects.get(resident=c).day == date(2026, 10, 21)
    rejects = {r.line: r.reason for r in result.rejected}
    assert rejects == {
        5: "查无此人：身份证号/手机号未匹配到本所居民",
        6: "注册日期“2026-13-01”无法识别",
        7: "缺少身份证号和手机号",
    }
    kept = RejectedRegistrationRow.objects.get(batch_id=result.batch_id, line=5)
    assert "110101199001011234" in kept.raw

    again = import_registrations(data, "export-copy.csv")
    assert again.already_imported and again.batch_id == result.batch_id
    assert AppRegistration.objects.count() == total_before + 2
    assert RejectedRegistrationRow.objects.filter(batch_id=result.batch_id).count() == 3

    overlapping = import_registrations(persons_csv([(a.name, a.id_number, "", "2026-10-25")]), "next.csv")
    assert (batch_of(overlapping).created, batch_of(overlapping).duplicates) == (0, 1)
    assert AppRegistration.objects.get(resident=a).day == date(2026, 10, 20)


def grid_count_xlsx(rows: list[tuple[Any, ...]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["国家反诈中心APP注册统计"])
    sheet.append(["统计日期", "所属警格", "新增注册人数"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_grid_count_export_replaces_a_days_figure_instead_of_adding() -> None:
    g1, g2 = Grid.objects.order_by("code")[:2]
    day = date(2026, 10, 30)
    first = import_registrations(
        grid_count_xlsx(
            [
                (day, g1.code, 5),
                (day, g2.name, 3),
                (day, "不存在的警格", 9),
                (day, g1.code, 1),
                ("2026-10-31", g2.code, "三"),
            ]
        ),
        "counts.xlsx",
    )
    assert (batch_of(first).kind, batch_of(first).created, batch_of(first).rejected) == ("grid_counts", 2, 3)
    assert [r.reason for r in first.rejected] == [
        "警格“不存在的警格”不存在",
        "同一警格同一日期重复出现，仅计第一行",
        "注册数“三”不是非负整数",
    ]
    assert GridDailyCount.objects.get(grid=g1, day=day).count == 5
    corrected = import_registrations(
        grid_count_xlsx([(day, g1.code, 6), (day, g2.name, 3)]), "counts-fixed.xlsx"
    )
    assert (batch_of(corrected).created, batch_of(corrected).updated, batch_of(corrected).duplicates) == (
        0,
        1,
        1,
    )
    assert GridDailyCount.objects.get(grid=g1, day=day).count == 6
    assert GridDailyCount.objects.filter(day=day).count() == 2


def test_rows_without_a_date_take_the_default_day_or_are_rejected() -> None:
    (a,) = unregistered(1)
    data = "身份证号,姓名\n" + f"{a.id_number},{a.name}\n"
    no_default = import_registrations(data.encode(), "nodate.csv")
    assert [(r.line, r.reason) for r in no_default.rejected] == [(2, "缺少注册日期")]
    with_default = import_registrations((data + "\n").encode(), "nodate2.csv", default_day=date(2026, 10, 1))
    assert batch_of(with_default).created == 1 and AppRegistration.objects.get(resident=a).day == date(
        2026, 10, 1
    )


def test_a_sheet_that_is_not_a_registration_export_is_a_clear_error() -> None:
    with pytest.raises(UserFacingError) as info:
        import_registrations("姓名,地址,备注\n张三,某地,无\n".encode(), "other.csv")
    assert "表头" in info.value.zh or "无法识别" in info.value.zh
    assert not RegistrationImport.objects.filter(file_name="other.csv").exists()


def test_a_door_visit_registers_a_person_once() -> None:
    (a,) = unregistered(1)
    officer = User.objects.filter(role="officer").first()
    assert officer is not None
    first = record_door_visit(officer, a, date(2026, 10, 2))
    second = record_door_visit(officer, a, date(2026, 10, 3))
    assert first.created and not second.created
    reg = AppRegistration.objects.get(resident=a)
    assert (reg.source, reg.day, reg.recorded_by_id) == ("door_visit", date(2026, 10, 2), officer.pk)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y年%m月%d日}", "{:%Y%m%d}", "{:%Y-%m-%d %H:%M:%S}"]),
)
def test_registration_dates_parse_in_every_export_spelling(day: date, pattern: str) -> None:
    assert read_cell(DAY, pattern.format(day)) == day


@given(st.text(max_size=20))
def test_date_parsing_never_raises_but_to_reject(text: str) -> None:
    try:
        result = read_cell(DAY, text)
    except CellUnreadable as exc:
        assert str(exc).startswith("注册日期“")
    else:
        assert result is None or isinstance(result, date)
