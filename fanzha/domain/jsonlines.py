"""The JSON Lines contract shared by ``fanzha extract``, ``classify`` and ``check``.

Each input line is a JSON object with at least ``id`` and ``text``. Each output line answers
one input line, in order. A line that cannot be understood yields ``{"line": N, "error": ...}``
and processing goes on; only an unreadable input as a whole is fatal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from fanzha.errors import UserFacingError

logger = logging.getLogger(__name__)

Record = dict[str, Any]


def read_input_text(path: str | None, stdin: IO[bytes]) -> str:
    """Return the whole input as text, detecting the encoding when it is not UTF-8."""
    if path is None or path == "-":
        raw = stdin.read()
    else:
        file = Path(path)
        if not file.exists():
            raise UserFacingError(f"找不到输入文件 {path}", f"input file not found: {path}")
        if file.is_dir():
            raise UserFacingError(f"{path} 是目录，不是文件", f"{path} is a directory, not a file")
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise UserFacingError(f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc}") from exc
    return decode_bytes(raw)


def decode_bytes(raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else the best guess among Chinese encodings."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("gb18030",):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None:
        raise UserFacingError("输入不是可识别的文本编码", "input is not text in any recognised encoding")
    return str(best)


def parse_lines(text: str) -> Iterator[tuple[int, Record | None, str | None]]:
    """Yield ``(line_number, record, error)`` for each non-blank line (numbers start at 1)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"不是有效的 JSON / invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, None, "每行应为 JSON 对象 / each line must be a JSON object"
            continue
        text_value = record.get("text")
        if not isinstance(text_value, str):
            yield number, None, "缺少字符串字段 text / missing string field 'text'"
            continue
        yield number, record, None


def run_jsonl(
    lines: Iterable[tuple[int, Record | None, str | None]],
    answer: Callable[[Record], Record],
    out: IO[str],
) -> int:
    """Write one JSON answer per input line; return the number of lines that failed."""
    failures = 0
    for number, record, error in lines:
        if record is None:
            result: Record = {"line": number, "error": error}
            failures += 1
        else:
            try:
                result = answer(record)
            except Exception as exc:  # a bad record must not stop the batch
                # Its answer carries the error (and the console stays clean: INFO); an unexpected
                # kind of error, a bug rather than a bad record, leaves its traceback in the log file.
                expected = isinstance(exc, UserFacingError | ValueError)
                logger.info("line %s failed: %s: %s", number, type(exc).__name__, exc, exc_info=not expected)
                result = {"line": number, "id": record.get("id"), "error": f"{type(exc).__name__}: {exc}"}
                failures += 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return failures
