"""Every export answers with the same workbook response, Chinese file names included."""

from __future__ import annotations

from urllib.parse import unquote

from fanzha.web.downloads import XLSX_CONTENT_TYPE, xlsx_response


def test_ascii_and_chinese_file_names_survive() -> None:
    plain = xlsx_response(b"PK", "clue-analysis.xlsx")
    assert plain["Content-Type"] == XLSX_CONTENT_TYPE
    assert plain["Content-Disposition"] == 'attachment; filename="clue-analysis.xlsx"'
    chinese = xlsx_response(b"PK", "A001-止付冻结清单.xlsx")
    disposition = chinese["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "A001-止付冻结清单.xlsx"
    assert chinese.content == b"PK"
