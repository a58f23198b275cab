"""The inputs a station really gets, as evaluation and training sets: one place for their splits.

Read by ``scripts/evaluate_real_inputs.py`` (the report), ``scripts/train_message_model.py`` and
``scripts/train_classifier.py`` (the training side only). Third-party data is read in place from
``../shared/data`` and never copied; ``eval/realistic/`` holds the chats and police-style
narratives written for this project.

Sources
  * scam scripts: ``fraud_texts/dev.jsonl`` (four Ministry categories + ordinary notices);
  * text dialogues: ``dialogues/sft_dialogues_dev.jsonl`` (fraud across the news categories;
    the non-fraud half is meeting talk);
  * phone dialogues: ``dialogues/teleantifraud_dialogues.jsonl`` (fraud and ordinary service calls);
  * chats: the dialogues above drawn as a chat screenshot reads after OCR (:func:`render_chat`),
    and ``eval/realistic/chats.jsonl``, chats written for this project;
  * narratives: ``eval/realistic/narratives.jsonl``, police-style 简要案情 with their category
    and the fields extraction must find.

Split: a record is held out when ``crc32("realistic|" + group) % 5 == 0``; the group is the
record's first 24 normalised content characters, so that a template and its near-copies never
straddle the split. The written sets carry their own ``split`` field.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
WRITTEN = ROOT / "eval" / "realistic"

# The four categories of the scam-script source, as the taxonomy names them.
SCRIPT_CATEGORIES = {
    "冒充公检法及政府机关类": "冒充公检法及政府机关类",
    "贷款、代办信用卡类": "贷款、代办信用卡类",
    "冒充电商物流客服类": "冒充电商物流客服类",
    "冒充领导、熟人类": "冒充领导、熟人类",
}
# A loan script about a "credit record" is 虚假征信类 in the Ministry's newer list; the source
# files both under one label, so either answer counts as right for it.
ACCEPTED_ALSO = {"贷款、代办信用卡类": {"虚假征信类"}}
CREDIT_RECORD = re.compile(r"征信|校园贷|学生贷|信用记录|信用污点|注销.{0,6}(?:账户|账号|额度)")

_SPEAKER = re.compile(r"^\s*[甲乙丙丁戊己庚辛]\s*[:：]\s*")
_CONTENT = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    fraud: bool
    source: str  # scripts, dialogues, phone_dialogues, chats_rendered, chats_written, sms, narratives
    category: str  # taxonomy category for fraud with a known category, else the source's kind
    test: bool
    extra: dict | None = None
    # Records telling the same story (a dialogue and its chat drawing, overlapping windows of
    # one conversation): training keeps them in one cross-validation fold, or out-of-fold
    # scores would be scores on near-copies of what the model was fitted on.
    story: str = ""


def group_key(text: str) -> str:
    return "".join(_CONTENT.findall(text.lower()))[:24]


def held_out(group: str) -> bool:
    return zlib.crc32(f"realistic|{group}".encode()) % 5 == 0


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def scam_scripts(data: Path = DEFAULT_DATA) -> list[Record]:
    out = []
    for row in _jsonl(data / "fraud_texts" / "dev.jsonl"):
        fraud = row["label"] == "fraud"
        category = SCRIPT_CATEGORIES[row["category"]] if fraud else "ordinary_notice"
        group = group_key(row["text"])
        out.append(
            Record(
                row["id"], row["text"], fraud, "scripts", category, held_out(group), story="scripts:" + group
            )
        )
    return out


def script_training_category(record: Record) -> str:
    """The category the classifier learns for a script: a credit-record loan script is 虚假征信类."""
    if record.category == "贷款、代办信用卡类" and CREDIT_RECORD.search(record.text):
        return "虚假征信类"
    return record.category


def text_dialogues(data: Path = DEFAULT_DATA) -> list[Record]:
    out = []
    for row in _jsonl(data / "dialogues" / "sft_dialogues_dev.jsonl"):
        fraud = bool(row["is_fraud"])
        # The non-fraud half is meeting monologues and two-party fragments of the same stories the
        # fraud half comes from (a buyer paying a real seller, a chat before the pitch).
        kind = (
            "fraud_dialogue"
            if fraud
            else ("non_fraud_two_party" if "乙：" in row["text"] else "meeting_talk")
        )
        out.append(Record(row["id"], row["text"], fraud, "dialogues", kind, held_out(group_key(row["text"]))))
    stories = shared_turn_stories({record.id: record.text for record in out})
    return [replace(record, story="dialogues:" + stories[record.id]) for record in out]


def shared_turn_stories(texts: dict[str, str], min_chars: int = 8) -> dict[str, str]:
    """Each text's story: texts sharing a turn of at least ``min_chars`` content characters are one.

    The source cuts each conversation into overlapping windows labelled one by one, so the same
    turn stands in several records (union-find over the turns; the story is named by its
    smallest id).
    """
    parent = {key: key for key in texts}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    first_holder: dict[str, str] = {}
    for key, text in texts.items():
        for turn in chat_turns(text):
            content = "".join(_CONTENT.findall(turn.lower()))
            if len(content) < min_chars:
                continue
            holder = first_holder.setdefault(content, key)
            low, high = sorted((root(holder), root(key)))
            parent[high] = low
    return {key: root(key) for key in texts}


_NORMAL_CALL_TYPES = {"订餐服务", "外卖服务", "预约服务", "咨询客服", "日常购物", "打车服务", "交通咨询"}


def phone_dialogues(data: Path = DEFAULT_DATA) -> list[Record]:
    out = []
    for number, row in enumerate(_jsonl(data / "dialogues" / "teleantifraud_dialogues.jsonl")):
        turns: list[str] = []
        left, right = row["left"], row["right"]
        for index in range(max(len(left), len(right))):
            turns += left[index : index + 1] + right[index : index + 1]
        text = "\n".join(turns)
        fraud = row["fraud_type"] not in _NORMAL_CALL_TYPES
        # The risk model trains on these dialogues with its own split: keep it, or its training
        # rows would be counted as unseen.
        out.append(
            Record(
                f"tele-{number}",
                text,
                fraud,
                "phone_dialogues",
                row["fraud_type"],
                message_split_test(text),
                story=message_model_group(text),
            )
        )
    return out


def message_split_test(dialogue_text: str) -> bool:
    """Whether ``scripts/train_message_model.py`` holds this phone dialogue out (its own split)."""
    from train_message_model import Example, split_of

    group = message_model_group(dialogue_text)
    return split_of(Example(dialogue_text, True, "dialogue", "", "", group)) == "test"


def message_model_group(dialogue_text: str) -> str:
    """The group ``scripts/train_message_model.py`` gives a phone dialogue (its split and fold)."""
    from train_message_model import dialogue_group

    return dialogue_group(dialogue_text)


def written_chats() -> list[Record]:
    path = WRITTEN / "chats.jsonl"
    if not path.exists():
        return []
    return [
        Record(
            row["id"],
            row["text"],
            row["label"] == "fraud",
            "chats_written",
            row["kind"],
            row["split"] == "test",
            story="chats_written:" + row["id"],
        )
        for row in _jsonl(path)
    ]


def narratives() -> list[Record]:
    path = WRITTEN / "narratives.jsonl"
    if not path.exists():
        return []
    return [
        Record(row["id"], row["text"], True, "narratives", row["category"], row["split"] == "test", row)
        for row in _jsonl(path)
    ]


def extra_narratives() -> list[Record]:
    """Police-style narratives written for training only (``narratives_extra.jsonl``): never measured."""
    path = WRITTEN / "narratives_extra.jsonl"
    if not path.exists():
        return []
    return [
        Record(row["id"], row["text"], True, "narratives", row["category"], False, row)
        for row in _jsonl(path)
    ]


# --- chats as a screenshot reads after OCR ---------------------------------------------------

# Look-alike characters that OCR confuses; each pair is swapped in either direction.
OCR_SLIPS = (
    ("已", "己"),
    ("未", "末"),
    ("人", "入"),
    ("日", "曰"),
    ("账", "帐"),
    ("汇", "江"),
    ("款", "欵"),
    ("天", "夭"),
    ("土", "士"),
    ("0", "O"),
    ("1", "l"),
    ("转", "传"),
    ("元", "无"),
    ("给", "绐"),
    ("我", "找"),
)
_SLIP = {a: b for a, b in OCR_SLIPS} | {b: a for a, b in OCR_SLIPS}
_GROUPS = ("业主群", "家长群", "工作群", "老乡群", "同学群", "兼职群", "福利群", "交流群", "相亲相爱一家人")
_NICKS = ("A阳光", "老张", "小雨", "静待花开", "王哥", "Lily", "平安是福", "刘姐", "山水", "小陈", "大海")
_NOTICES = (
    "对方不是你的微信好友，请注意核实对方身份",
    "请注意：对方非你的好友，如涉及钱款请谨慎",
    "以上是打招呼的内容",
    "你已添加了对方，现在可以开始聊天了。",
    "消息已发出，但被对方拒收了。",
)
_MEDIA = ("[图片]", '[语音] 8"', "[表情]", "[视频]", "[文件]")


def chat_turns(text: str) -> list[str]:
    """A dialogue's turns without speaker labels (甲：…)."""
    return [_SPEAKER.sub("", line).strip() for line in text.splitlines() if line.strip()]


def _clock(rng: random.Random) -> str:
    day = rng.choice(("", "", "", "昨天 ", "星期三 ", "下午", "上午"))
    return f"{day}{rng.randint(7, 23):02d}:{rng.randint(0, 59):02d}".replace("下午", "下午 ").replace(
        "上午", "上午 "
    )


def render_chat(record_id: str, text: str) -> str:
    """``text`` drawn as a chat screenshot's OCR output, the same way for fraud and ordinary talk.

    Speaker labels are dropped; a contact name or a group title with its member count may come
    first; timestamps, media placeholders and the platform's own notices are mixed in; turns are
    sometimes run together; a third of the chats get OCR slips between look-alike characters.
    Deterministic for a record id. Chrome is added at the same rates whatever the label, so it can
    carry no answer.
    """
    rng = random.Random(zlib.crc32(record_id.encode()))
    turns = chat_turns(text)
    lines: list[str] = []
    header = rng.random()
    group = header < 0.3
    if group:
        lines.append(f"{rng.choice(_GROUPS)}({rng.randint(3, 499)})")
    elif header < 0.7:
        lines.append(rng.choice(("< ", "")) + rng.choice(_NICKS))
    if rng.random() < 0.2:
        lines.append(rng.choice(_NOTICES))
    lines.append(_clock(rng))
    for turn in turns:
        if rng.random() < 0.15:
            lines.append(_clock(rng))
        if group and rng.random() < 0.5:
            lines.append(rng.choice(_NICKS))
        if rng.random() < 0.05:
            lines.append(rng.choice(_MEDIA))
        lines.append(turn)
    if rng.random() < 0.3:
        body = "".join(lines[1:]) if header < 0.7 else "".join(lines)
        lines = [*lines[:1], body] if header < 0.7 else [body]
    rendered = "\n".join(lines)
    if rng.random() < 0.35:
        rendered = "".join(_SLIP[ch] if ch in _SLIP and rng.random() < 0.08 else ch for ch in rendered)
    return rendered


def rendered_chats(data: Path = DEFAULT_DATA) -> list[Record]:
    """Text and phone dialogues drawn as chats; they keep the dialogue's split."""
    out = []
    for record in text_dialogues(data) + phone_dialogues(data):
        source = "chats_rendered"
        kind = ("text_" if record.source == "dialogues" else "phone_") + (
            "fraud" if record.fraud else "ordinary"
        )
        out.append(
            Record(
                "chat-" + record.id,
                render_chat(record.id, record.text),
                record.fraud,
                source,
                kind,
                record.test,
                story=record.story,
            )
        )
    return out
