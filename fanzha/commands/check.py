"""``fanzha check``: messages, links, numbers (JSON Lines) in, one risk verdict per line out.

``fanzha check --image FILE...`` reads chat or SMS screenshots instead (OCR by tesseract, offline)
and writes one line per image: ``id`` is the file name as given, ``text`` the recognised text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="群众风险查询：判断短信、链接、号码、账号是否可能是诈骗 / check messages for fraud risk",
        description=(
            "读取 JSON Lines（每行含 id、text），每行输出 verdict（fraud 高风险 / suspicious 可疑 /"
            " safe 未发现明显诈骗特征）、score、category、reasons、advice、asks（对方要求做的事）、claims（对方自称的身份）与 script。"
            " Reads JSON Lines with id and text; writes one verdict per line."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--input", "-i", metavar="FILE", help="输入文件，缺省或 - 为标准输入 / input file (default stdin)"
    )
    source.add_argument(
        "--image",
        nargs="+",
        metavar="FILE",
        help="聊天或短信截图（PNG、JPG等）：离线识别文字后判断，每张输出一行，id 为文件名，另含 text / "
        "chat or SMS screenshots: OCR (tesseract, offline), then one verdict line each with the recognised text",
    )
    parser.add_argument(
        "--data-dir",
        help="数据目录：给出时，与本所案件和线索中的号码、账号、网址比对 / "
        "data directory: when given, identifiers from the station's cases and clues count as evidence",
    )
    parser.set_defaults(func=handle)


def verdict_to_record(record_id: Any, verdict: Any) -> dict[str, Any]:
    """The JSON answer for one input: the contract fields first, extra detail after."""
    detail = verdict.as_dict()
    return {
        "id": record_id,
        "verdict": detail["verdict"],
        "score": detail["score"],
        "category": detail["category"],
        "reasons": detail["reasons"],
        "label": detail["label"],
        "advice": detail["advice"],
        "asks": detail["asks"],
        "claims": detail["claims"],
        "script": detail["script"],
    }


def handle(args: argparse.Namespace) -> int:
    from fanzha.domain.jsonlines import parse_lines, read_input_text, run_jsonl
    from fanzha.domain.risk import check_text

    text = "" if args.image else read_input_text(args.input, sys.stdin.buffer)
    known = None
    if args.data_dir:
        from fanzha.runtime import open_station

        open_station(args.data_dir)
        from fanzha.check.known import known_identifiers

        known = known_identifiers()

    if args.image:
        return check_images(args.image, known)

    def answer(record: dict[str, Any]) -> dict[str, Any]:
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            # Nothing to judge is not "safe": the line gets an error, the batch goes on.
            raise ValueError("text 为空，没有可判断的内容 / empty text: nothing to judge")
        return verdict_to_record(record.get("id"), check_text(text, known))

    run_jsonl(parse_lines(text), answer, sys.stdout)
    return 0


def check_images(paths: list[str], known: Any) -> int:
    """One JSON line per screenshot; an unreadable one gets an error line and the batch goes on."""
    from fanzha.domain.risk import check_text
    from fanzha.domain.screenshot_text import screenshot_to_text, tesseract_available
    from fanzha.errors import UserFacingError

    if not tesseract_available():
        # Fatal once rather than the same error on every line: no image could be read.
        raise UserFacingError(
            "未安装文字识别引擎 tesseract，无法识别截图（apt-get install tesseract-ocr tesseract-ocr-chi-sim）",
            "the OCR engine is missing: apt-get install tesseract-ocr tesseract-ocr-chi-sim",
        )
    for path in paths:
        result: dict[str, Any]
        try:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise UserFacingError(
                    f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
                ) from exc
            recognised = screenshot_to_text(data)
            record = verdict_to_record(path, check_text(recognised.text, known))
            result = {"id": path, "text": recognised.text, **{k: v for k, v in record.items() if k != "id"}}
        except UserFacingError as exc:
            result = {"id": path, "error": f"{exc.zh} / {exc.en}"}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0
