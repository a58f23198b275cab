"""The morning roll-call report: one page of PDF with embedded Chinese glyphs that really render,
and the same content as DOCX."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fanzha.cases.models import Case
from fanzha.ranking.report import find_cjk_font, morning_report, render_docx, render_pdf
from fanzha.stations.models import Grid

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


@pytest.fixture
def report(test_county: Any) -> Any:
    end = test_county.end_date
    grid = Grid.objects.order_by("code").first()
    Case.objects.create(
        case_no="T-MORNING-1",
        reported_at=datetime.combine(end, time(9), tzinfo=ZoneInfo("Asia/Shanghai")),
        narrative="x",
        grid=grid,
        category="刷单返利",
        loss_fen=1234500,
    )
    return morning_report(end)


def test_report_gathers_ranking_laggards_new_cases_and_points(report: Any) -> None:
    assert report.title.endswith("晨会点名通报")
    assert len(report.flagged) == 3
    assert any(c.case_no == "T-MORNING-1" and c.category == "刷单返利" for c in report.new_cases)
    assert report.new_cases_loss_fen >= 1234500
    assert any("约谈3个" in p for p in report.points)
    assert report.overdue_total >= len(report.overdue)


def test_a_truetype_cjk_font_is_embedded() -> None:
    font = find_cjk_font()
    assert font.path is not None, "no embeddable CJK TrueType font: apt-get install fonts-wqy-microhei"


@needs_poppler
def test_pdf_is_one_page_and_its_chinese_renders(report: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "morning.pdf"
    pdf.write_bytes(render_pdf(report))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert report.title in text.replace(" ", "")
    assert "约谈警格" in text and "今日强调" in text and "刷单返利" in text
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-singlefile", "-gray", str(pdf), str(tmp_path / "page")], check=True
    )
    from PIL import Image

    image = Image.open(tmp_path / "page.png").convert("L")
    dark = sum(1 for p in image.get_flattened_data() if p < 128)
    assert dark > 0.01 * image.width * image.height  # text and table rules, not a blank page
    # The title line alone (top of the page) must hold glyph ink: tofu-free Chinese, not spaces.
    title_band = image.crop((0, int(image.height * 0.02), image.width, int(image.height * 0.07)))
    assert sum(1 for p in title_band.get_flattened_data() if p < 128) > 150


def test_docx_holds_the_same_sections(report: Any) -> None:
    from docx import Document

    document = Document(io.BytesIO(render_docx(report)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report.title in text
    for heading in (
        "一、警格每日排名",
        "二、约谈警格（3个）",
        "三、超时未处置预警线索",
        "四、新发案件",
        "五、今日强调",
    ):
        assert heading in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "T-MORNING-1" in cells and "12,345.00" in cells


def test_the_report_date_is_the_data_day(report: Any, test_county: Any) -> None:
    assert report.day == test_county.end_date
    assert isinstance(report.day, date)


def test_report_wording_names_a_category_once_gives_overdue_in_days_and_states_coverage(
    test_county: Any,
) -> None:
    """ "虚假网络投资理财类类1起" and "已超时 795小时" were in the PDF; the coverage definition was not."""
    from datetime import timedelta

    from fanzha.clues.models import Clue
    from fanzha.domain.durations import elapsed_text
    from fanzha.domain.ranking import category_name
    from fanzha.ranking.report import report_sections

    assert category_name("虚假网络投资理财类") == "虚假网络投资理财类"
    assert category_name("刷单返利") == "刷单返利类"
    assert elapsed_text(timedelta(hours=795)) == "33天3小时"
    assert elapsed_text(timedelta(hours=5)) == "5小时"
    end = test_county.end_date
    grid = Grid.objects.order_by("code").first()
    Case.objects.create(
        case_no="T-MORNING-2",
        reported_at=datetime.combine(end, time(10), tzinfo=ZoneInfo("Asia/Shanghai")),
        narrative="x",
        grid=grid,
        category="虚假网络投资理财类",
        loss_fen=100,
    )
    Clue.objects.filter(first_contact_at__isnull=True).exclude(status__in=["closed", "merged"]).update(
        deadline=datetime.combine(end, time(0), tzinfo=ZoneInfo("Asia/Shanghai")) - timedelta(hours=795)
    )
    sections = report_sections(morning_report(end))
    points = "".join(sections["points"])
    assert "类类" not in points
    assert "14周岁及以上" in sections["coverage_note"]
    for row in sections["overdue_rows"]:
        assert re.fullmatch(r"\d+天(\d+小时)?|\d+小时|不到1小时", row[5]), row
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[4]), row
    assert any("天" in row[5] for row in sections["overdue_rows"])
