"""The morning roll-call report (晨会点名): one A4 page per day with the ranking, the grids to be
talked to and why, overdue clues, new cases with category and loss, and the points to stress.

:func:`morning_report` gathers the figures (through the ranking services); :func:`render_pdf`
(reportlab, with an embedded CJK TrueType font) and :func:`render_docx` (python-docx) lay them
out. Personal data is masked: the report is printed and handed round.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Q, Value, When
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.clues.models import Clue
from fanzha.domain.data_files import load_data_json
from fanzha.domain.durations import elapsed_text
from fanzha.domain.masking import mask_name
from fanzha.domain.ranking import (
    GridRanking,
    NewCaseLine,
    OverdueClueLine,
    RankingConfig,
    coverage_definition,
    points_to_stress,
)
from fanzha.domain.values.money import format_yuan
from fanzha.ranking.services.figures import LOCAL, current_config, daily_ranking, day_start
from fanzha.stations.models import Station

CID_FALLBACK = "STSong-Light"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OverdueClue:
    grid: str
    grade: str
    grade_label: str
    kind: str
    target: str  # masked
    deadline: datetime
    hours_overdue: int


@dataclass(frozen=True)
class NewCase:
    case_no: str
    grid: str
    category: str
    loss_fen: int | None


@dataclass(frozen=True)
class MorningReport:
    station: str
    day: date
    generated_at: datetime
    ranking: list[GridRanking]
    overdue: list[OverdueClue]
    overdue_total: int
    new_cases: list[NewCase]
    new_cases_total: int
    new_cases_loss_fen: int
    points: list[str]
    config: RankingConfig

    @property
    def flagged(self) -> list[GridRanking]:
        return [r for r in self.ranking if r.flagged]

    @property
    def title(self) -> str:
        return f"{self.station}晨会点名通报"

    def ranking_rows(self) -> list[GridRanking | None]:
        """The whole ranking for a small station, else the top and bottom (None marks the gap)."""
        limit = self.config.report["full_ranking_up_to"]
        if len(self.ranking) <= limit:
            return list(self.ranking)
        k = self.config.report["top_and_bottom"]
        return [*self.ranking[:k], None, *self.ranking[-k:]]


def morning_report(day: date, config: RankingConfig | None = None) -> MorningReport:
    config = config or current_config()
    ranking = daily_ranking(day, config)
    as_of = min(day_start(day + timedelta(days=1)), timezone.now())
    overdue_qs = (
        Clue.objects.filter(deadline__lt=as_of, received_at__lt=as_of, first_contact_at__isnull=True)
        .exclude(status__in=[Clue.Status.CLOSED, Clue.Status.MERGED])
        .select_related("grid")
        .annotate(
            grade_order=CaseWhen(
                When(grade=Clue.Grade.RED, then=Value(0)),
                When(grade=Clue.Grade.ORANGE, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("grade_order", "deadline")
    )
    overdue_total = overdue_qs.count()
    overdue = [
        OverdueClue(
            grid=c.grid.name if c.grid else "待匹配",
            grade=c.grade,
            grade_label=c.get_grade_display() or "未定级",
            kind=c.kind,
            target=mask_name(c.target_name) if c.target_name else "—",
            deadline=timezone.localtime(c.deadline, LOCAL) if c.deadline else as_of,
            hours_overdue=int((as_of - c.deadline).total_seconds() // 3600) if c.deadline else 0,
        )
        for c in overdue_qs[: config.report["max_overdue_clues"]]
    ]
    case_qs = (
        Case.objects.filter(
            Q(reported_at__gte=day_start(day)) & Q(reported_at__lt=day_start(day + timedelta(days=1)))
        )
        .select_related("grid")
        .order_by("reported_at")
    )
    new_cases = [
        NewCase(c.case_no, c.grid.name if c.grid else "未定警格", c.category or "未分类", c.loss_fen)
        for c in case_qs
    ]
    points = points_to_stress(
        ranking,
        [OverdueClueLine(o.grid, o.grade, o.kind, o.hours_overdue) for o in overdue_qs_lines(overdue_qs)],
        [NewCaseLine(c.grid, c.category, c.loss_fen) for c in new_cases],
        config,
    )
    station = Station.objects.order_by("pk").values_list("name", flat=True).first() or "派出所"
    return MorningReport(
        station=station,
        day=day,
        generated_at=timezone.localtime(timezone.now(), LOCAL),
        ranking=ranking,
        overdue=overdue,
        overdue_total=overdue_total,
        new_cases=new_cases[: config.report["max_new_cases"]],
        new_cases_total=len(new_cases),
        new_cases_loss_fen=sum(c.loss_fen or 0 for c in new_cases),
        points=points,
        config=config,
    )


def overdue_qs_lines(queryset: Any) -> list[OverdueClueLine]:
    """All overdue clues as light lines (grade and grid only) for the points to stress."""
    return [
        OverdueClueLine(grid or "", grade, kind, 0)
        for grid, grade, kind in queryset.values_list("grid__name", "grade", "kind")
    ]


def yuan_text(fen: int | None) -> str:
    return format_yuan(fen, decimals="always", grouping=True)


def _rate(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator * 100:.0f}%" if denominator else "—"


def _change_text(r: GridRanking) -> str:
    change = r.rank_change
    if change is None:
        return "—"
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "持平"


RANKING_HEADER = [
    "名次",
    "警格",
    "得分",
    "覆盖率",
    "当日新增",
    "名次变化",
    "线索按时",
    "劝阻成功",
    "本月/上月同期案件",
]


def ranking_cells(r: GridRanking) -> list[str]:
    f = r.figures
    return [
        str(r.rank),
        f.name + ("（约谈）" if r.flagged else ""),
        f"{r.score:.1f}",
        f"{f.coverage * 100:.1f}%",
        str(f.new_registrations),
        _change_text(r),
        _rate(f.clues_in_time, f.clues_due),
        _rate(f.clues_stopped, f.dissuasion_attempts),
        f"{f.cases_this_month}/{f.cases_last_month_same_period}",
    ]


def report_sections(report: MorningReport) -> dict[str, Any]:
    """Section titles and rows shared by the PDF and the DOCX layouts."""
    day_text = f"{report.day.year}年{report.day.month}月{report.day.day}日"
    return {
        "subtitle": f"数据日期：{day_text}　生成时间：{report.generated_at:%Y-%m-%d %H:%M}　共{len(report.ranking)}个警格",
        "ranking_title": "一、警格每日排名（每日一对比）",
        "ranking_rows": [None if r is None else ranking_cells(r) for r in report.ranking_rows()],
        "coverage_note": coverage_definition(report.config) + "。",
        "flagged_title": f"二、约谈警格（{len(report.flagged)}个）",
        "flagged": [
            (f"{r.figures.name}（第{r.rank}名）", "；".join(r.reasons[1:] or r.reasons))
            for r in report.flagged
        ],
        "overdue_title": f"三、超时未处置预警线索（{report.overdue_total}条"
        + (f"，列出前{len(report.overdue)}条）" if report.overdue_total > len(report.overdue) else "）"),
        "overdue_header": ["警格", "等级", "线索类型", "对象", "处置时限", "已超时"],
        "overdue_rows": [
            [
                o.grid,
                o.grade_label,
                o.kind,
                o.target,
                f"{o.deadline:%Y-%m-%d %H:%M}",
                elapsed_text(timedelta(hours=o.hours_overdue)),
            ]
            for o in report.overdue
        ],
        "cases_title": f"四、新发案件（{report.new_cases_total}起，损失合计{yuan_text(report.new_cases_loss_fen)}元"
        + (
            f"，列出前{len(report.new_cases)}起）" if report.new_cases_total > len(report.new_cases) else "）"
        ),
        "cases_header": ["案件编号", "警格", "案件类别", "损失（元）"],
        "cases_rows": [[c.case_no, c.grid, c.category, yuan_text(c.loss_fen)] for c in report.new_cases],
        "points_title": "五、今日强调",
        "points": report.points,
    }


# ---------------------------------------------------------------- fonts


@dataclass(frozen=True)
class CjkFont:
    name: str
    path: str | None  # None: reportlab's built-in CID font, not embedded
    subfont: int = 0


def _fc_list_candidates() -> list[tuple[str, int]]:
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "index", "fontformat"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        parts = dict(p.split("=", 1) for p in line.split(":")[1:] if "=" in p)
        path = line.split(":", 1)[0]
        if parts.get("fontformat", "").strip() == "TrueType" and path.lower().endswith((".ttf", ".ttc")):
            found.append((path, int(parts.get("index", "0") or 0)))
    return found


@cache
def find_cjk_font() -> CjkFont:
    """The first CJK TrueType font reportlab can embed; the built-in CID font as a last resort."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    candidates: list[tuple[str, int]] = []
    if env := os.environ.get("FANZHA_CJK_FONT"):
        env_path, _, env_index = env.partition("#")
        candidates.append((env_path, int(env_index or 0)))
    data = load_data_json("ranking/fonts.json")
    candidates += [(c["path"], int(c.get("subfont", 0))) for c in data["candidates"]]
    candidates += _fc_list_candidates()
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont("FanzhaCJK", path, subfontIndex=index))
        except (TTFError, OSError, ValueError) as exc:
            logger.warning("CJK font %s#%d unusable for the morning report: %s", path, index, exc)
            continue
        logger.info("morning report PDFs embed %s#%d", path, index)
        return CjkFont("FanzhaCJK", path, index)
    # Readers without the font see boxes: the station should install fonts-wqy-microhei.
    logger.warning("no CJK TrueType font found; morning report PDFs use the non-embedded %s", CID_FALLBACK)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CjkFont(CID_FALLBACK, None)


# ---------------------------------------------------------------- PDF


def render_pdf(report: MorningReport) -> bytes:
    """One A4 page: when the day's content overflows, the type is set smaller until it fits."""
    data = b""
    for scale in (1.0, 0.88, 0.76, 0.66):
        data, pages = _build_pdf(report, scale)
        if pages <= 1:
            break
    return data


def _build_pdf(report: MorningReport, scale: float) -> tuple[bytes, int]:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = find_cjk_font().name
    s = report_sections(report)
    k = scale
    title = ParagraphStyle("t", fontName=font, fontSize=16 * k, leading=20 * k, alignment=1, spaceAfter=2)
    sub = ParagraphStyle(
        "s", fontName=font, fontSize=8 * k, leading=10 * k, alignment=1, textColor=colors.grey
    )
    h = ParagraphStyle(
        "h", fontName=font, fontSize=10.5 * k, leading=14 * k, spaceBefore=5 * k, spaceAfter=2 * k
    )
    body = ParagraphStyle("b", fontName=font, fontSize=8 * k, leading=10.5 * k)
    cell = ParagraphStyle("c", fontName=font, fontSize=7.5 * k, leading=9 * k)

    def table(
        header: list[str],
        rows: list[list[str] | None],
        widths: list[float],
        flagged_rows: set[int] | None = None,
    ) -> Table:
        data = [[Paragraph(escape(x), cell) for x in header]]
        for row in rows:
            data.append(
                [Paragraph("…", cell)] + [Paragraph("", cell)] * (len(header) - 1)
                if row is None
                else [Paragraph(escape(x), cell) for x in row]
            )
        t = Table(data, colWidths=widths, repeatRows=1)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        for i in flagged_rows or ():
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde2e1")))
        t.setStyle(TableStyle(style))
        return t

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=10 * mm,
        title=report.title,
        author="反诈工作台",
    )
    width = A4[0] - 28 * mm
    rows = s["ranking_rows"]
    flagged_rows = {i + 1 for i, r in enumerate(rows) if r is not None and "（约谈）" in r[1]}
    story: list[Any] = [
        Paragraph(escape(report.title), title),
        Paragraph(escape(s["subtitle"]), sub),
        Paragraph(s["ranking_title"], h),
        table(
            RANKING_HEADER,
            rows,
            [w * width for w in (0.06, 0.2, 0.08, 0.09, 0.09, 0.09, 0.1, 0.1, 0.19)],
            flagged_rows,
        ),
        Paragraph(escape(s["coverage_note"]), sub),
        Paragraph(s["flagged_title"], h),
    ]
    story += [
        Paragraph(f"<b>{escape(name)}</b>：{escape(reasons)}", body) for name, reasons in s["flagged"]
    ] or [Paragraph("无", body)]
    story.append(Paragraph(s["overdue_title"], h))
    story.append(
        table(s["overdue_header"], s["overdue_rows"], [w * width for w in (0.2, 0.1, 0.25, 0.13, 0.17, 0.15)])
        if s["overdue_rows"]
        else Paragraph("无", body)
    )
    story.append(Paragraph(s["cases_title"], h))
    story.append(
        table(s["cases_header"], s["cases_rows"], [w * width for w in (0.3, 0.25, 0.27, 0.18)])
        if s["cases_rows"]
        else Paragraph("无", body)
    )
    story.append(Paragraph(s["points_title"], h))
    story += [Paragraph(f"{i}. {escape(p)}", body) for i, p in enumerate(s["points"], start=1)]
    story.append(Spacer(1, 3 * mm))
    doc.build(story)
    return buffer.getvalue(), doc.page


# ---------------------------------------------------------------- DOCX


def render_docx(report: MorningReport) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    east_asia = load_data_json("ranking/fonts.json")["docx_east_asia_font"]
    s = report_sections(report)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(14)
    section.top_margin, section.bottom_margin = Mm(12), Mm(10)
    normal = document.styles["Normal"]
    normal.font.size = Pt(8)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    normal.paragraph_format.space_after = Pt(0)

    def paragraph(text: str, size: float = 8, bold: bool = False, center: bool = False) -> None:
        p = document.add_paragraph()
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(header: list[str], rows: list[list[str] | None]) -> None:
        t = document.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for c, text in zip(t.rows[0].cells, header, strict=True):
            c.text = text
        for row in rows:
            cells = t.add_row().cells
            for c, text in zip(
                cells, row if row is not None else ["…"] + [""] * (len(header) - 1), strict=True
            ):
                c.text = text
        for r in t.rows:
            for c in r.cells:
                for p in c.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(7.5)

    paragraph(report.title, 16, bold=True, center=True)
    paragraph(s["subtitle"], 8, center=True)
    paragraph(s["ranking_title"], 10.5, bold=True)
    table(RANKING_HEADER, s["ranking_rows"])
    paragraph(s["coverage_note"], 8)
    paragraph(s["flagged_title"], 10.5, bold=True)
    for name, reasons in s["flagged"] or [("无", "")]:
        paragraph(f"{name}：{reasons}" if reasons else name)
    paragraph(s["overdue_title"], 10.5, bold=True)
    table(s["overdue_header"], s["overdue_rows"]) if s["overdue_rows"] else paragraph("无")
    paragraph(s["cases_title"], 10.5, bold=True)
    table(s["cases_header"], s["cases_rows"]) if s["cases_rows"] else paragraph("无")
    paragraph(s["points_title"], 10.5, bold=True)
    for i, p in enumerate(s["points"], start=1):
        paragraph(f"{i}. {p}")
    document.core_properties.title = report.title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(report: MorningReport, fmt: str) -> bytes:
    """``fmt`` is ``pdf`` or ``docx``."""
    began = time.perf_counter()
    try:
        data = render_docx(report) if fmt == "docx" else render_pdf(report)
    except Exception:
        logger.exception("morning report for %s (%s) failed", report.day, fmt)
        raise
    logger.info(
        "morning report for %s rendered as %s: %d bytes in %.0f ms",
        report.day,
        fmt,
        len(data),
        (time.perf_counter() - began) * 1000,
    )
    return data
