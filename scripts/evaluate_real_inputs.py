"""Every judgment on inputs in the form a station gets them, on held-out splits only.

One row per line of the "real inputs" table (README, Accuracy), then the detail: per source and
per category, with confusion matrices. What counts:

* risk check (``check_text``, what ``fanzha check`` prints): "flagged" is 可疑 or 高风险
  (verdict suspicious or fraud); "高风险" is verdict fraud;
* classify (``classify``, what ``fanzha classify`` prints): the category; for the loan scripts
  虚假征信类 counts as right too (the source files credit-record scripts under the loan label);
* extract (``extract`` through the CLI's record, what ``fanzha extract`` prints): per narrative,
  the loss, the date it happened, the list of transfers, the phones and the accounts, each a check.

Splits are described in ``scripts/realistic_inputs.py`` (chats, scripts, dialogues, narratives)
and ``scripts/train_message_model.py`` (SMS); nothing here was trained or tuned on.

Usage: .venv/bin/python scripts/evaluate_real_inputs.py [--data ../shared/data] [--only check|classify|extract]
       [--misses N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_inputs as real  # noqa: E402
from train_message_model import load_examples, split_of  # noqa: E402

from fanzha.domain.risk import check_text  # noqa: E402

VERDICTS = ("fraud", "suspicious", "safe")


def pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


class CheckTally:
    """Verdict counts per (source, kind, truth)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, bool], Counter[str]] = defaultdict(Counter)
        self.misses: dict[tuple[str, bool], list[tuple[str, str, str]]] = defaultdict(list)

    def add(self, source: str, kind: str, fraud: bool, text: str, record_id: str) -> dict[str, Any]:
        result = check_text(text)
        self.counts[(source, kind, fraud)][result.verdict] += 1
        wrong = (result.verdict == "safe") if fraud else (result.verdict != "safe")
        if wrong:
            self.misses[(source, fraud)].append((record_id, result.verdict, text))
        return result.as_dict()

    def total(self, sources: Iterable[str], fraud: bool, kinds: Iterable[str] | None = None) -> Counter[str]:
        wanted = set(sources)
        allowed = set(kinds) if kinds is not None else None
        out: Counter[str] = Counter()
        for (source, kind, truth), counter in self.counts.items():
            if source in wanted and truth == fraud and (allowed is None or kind in allowed):
                out.update(counter)
        return out


def rates(counter: Counter[str]) -> tuple[int, str, str]:
    n = sum(counter.values())
    return n, pct(counter["fraud"] + counter["suspicious"], n), pct(counter["fraud"], n)


def run_check(data: Path, misses: int, test: bool = True) -> dict[str, Any]:
    tally = CheckTally()
    started = time.perf_counter()
    checked = 0
    chats = [r for r in real.rendered_chats(data) + real.written_chats() if r.test == test]
    scripts = [r for r in real.scam_scripts(data) if r.test == test]
    dialogues = [r for r in real.text_dialogues(data) if r.test == test]
    for record in chats + scripts + dialogues:
        tally.add(record.source, record.category, record.fraud, record.text, record.id)
        checked += 1
    sms = [ex for ex in load_examples(data) if ex.kind == "sms" and (split_of(ex) == "test") == test]
    for index, ex in enumerate(sms):
        if ex.label in ("fraud", "normal"):
            tally.add("sms", ex.label, ex.label == "fraud", ex.text, f"sms-{index}")
            checked += 1
    elapsed = time.perf_counter() - started

    summary: dict[str, Any] = {}
    print("\n== risk check (fanzha check): share flagged (可疑 or 高风险) and at 高风险, held-out")
    print(f"   {'set':58s} {'n':>5s} {'flagged':>8s} {'高风险':>8s}")

    def row(name: str, counter: Counter[str]) -> None:
        n, flagged, high = rates(counter)
        summary[name] = {
            "n": n,
            "flagged": (counter["fraud"] + counter["suspicious"]) / n if n else None,
            "high": counter["fraud"] / n if n else None,
        }
        print(f"   {name:58s} {n:5d} {flagged:>8s} {high:>8s}")

    chat_sources = ("chats_rendered", "chats_written")
    row("chats (OCR form): fraud", tally.total(chat_sources, True))
    row("chats (OCR form): ordinary", tally.total(chat_sources, False))
    row("scam scripts: fraud, four Ministry categories", tally.total(["scripts"], True))
    for category in real.SCRIPT_CATEGORIES:
        row(f"  scripts: {category}", tally.total(["scripts"], True, [category]))
    row("scam scripts: ordinary notices", tally.total(["scripts"], False))
    row("text dialogues: fraud", tally.total(["dialogues"], True))
    row("text dialogues: non-fraud", tally.total(["dialogues"], False))
    row("  non-fraud: meeting talk (one speaker)", tally.total(["dialogues"], False, ["meeting_talk"]))
    row("  non-fraud: two-party fragments", tally.total(["dialogues"], False, ["non_fraud_two_party"]))
    row("SMS: fraud", tally.total(["sms"], True))
    row("SMS: normal", tally.total(["sms"], False))

    print("\n   per source and kind (flagged / 高风险):")
    for (source, kind, fraud), counter in sorted(tally.counts.items()):
        n, flagged, high = rates(counter)
        print(f"     {source:16s} {kind:28s} {'fraud' if fraud else 'ordinary':8s} {n:5d} {flagged} {high}")
    print("\n   confusion matrices (rows: truth; columns: 高风险 / 可疑 / 未发现明显诈骗特征):")
    for name, sources in (
        ("chats", chat_sources),
        ("scripts", ("scripts",)),
        ("dialogues", ("dialogues",)),
        ("sms", ("sms",)),
    ):
        print(f"     {name}")
        for fraud in (True, False):
            counter = tally.total(sources, fraud)
            print(
                f"       {'fraud' if fraud else 'ordinary':9s}"
                + "".join(f"{counter[v]:7d}" for v in VERDICTS)
            )
    print(f"\n   {checked} checks in {elapsed:.1f} s ({checked / elapsed:.0f}/s, one process)")
    if misses:
        for (source, fraud), items in sorted(tally.misses.items()):
            print(
                f"\n   misses: {source} {'fraud told 未发现' if fraud else 'ordinary flagged'} ({len(items)})"
            )
            for record_id, verdict, text in items[:misses]:
                print(f"     [{record_id} {verdict}] {text[:160]!r}")
    return summary


def confusion(
    name: str, truth: list[str], predicted: list[str], accept: Callable[[str, str], bool]
) -> dict[str, float]:
    """Accuracy overall ("all") and per true category, printed with where each category went."""
    labels = sorted(set(truth))
    right = sum(accept(t, p) for t, p in zip(truth, predicted, strict=True))
    print(f"\n   {name}: {right}/{len(truth)} = {right / max(1, len(truth)):.1%}")
    result = {"all": right / max(1, len(truth))}
    for label in labels:
        members = [p for t, p in zip(truth, predicted, strict=True) if t == label]
        good = sum(accept(label, p) for p in members)
        top = Counter(members).most_common(3)
        shown = ", ".join(f"{c} {k}" for c, k in ((k, c) for c, k in top))
        print(f"     {label:24s} {good:4d}/{len(members):<4d} {good / len(members):6.1%}   -> {shown}")
        result[label] = good / len(members)
    return result


def run_classify(data: Path) -> dict[str, Any]:
    from fanzha.domain.classify import classify

    def accept(truth: str, predicted: str) -> bool:
        return predicted == truth or predicted in real.ACCEPTED_ALSO.get(truth, set())

    print("\n== classify (fanzha classify), held-out")
    summary: dict[str, Any] = {}
    scripts = [r for r in real.scam_scripts(data) if r.test and r.fraud]
    predicted = [classify(r.text).category for r in scripts]
    summary["scripts"] = confusion(
        "scam scripts by category", [r.category for r in scripts], predicted, accept
    )
    narratives = [r for r in real.narratives() if r.test]
    if narratives:
        predicted = [classify(r.text).category for r in narratives]
        summary["narratives"] = confusion(
            "police-style narratives (简要案情)", [r.category for r in narratives], predicted, accept
        )
    try:
        from train_classifier import load_news

        news = [e for e in load_news() if e.test]
        predicted = [classify(e.text).category for e in news]
        summary["news"] = confusion(
            "real news reports (mapped)", [e.category for e in news], predicted, accept
        )
    except FileNotFoundError:
        print("   news reports not found; skipped")
    return summary


def _same_list(found: list[Any], expected: list[Any]) -> bool:
    return [round(float(x), 2) for x in found] == [round(float(x), 2) for x in expected]


def run_extract(show: int, test: bool = True) -> dict[str, Any]:
    from fanzha.commands.extract import draft_to_record
    from fanzha.domain.extraction import extract

    narratives = [r for r in real.narratives() if r.test == test]
    side = "held-out" if test else "training-side"
    print(f"\n== extract (fanzha extract): field checks on {side} police-style narratives")
    if not narratives:
        print("   eval/realistic/narratives.jsonl missing; skipped")
        return {}
    checks: Counter[str] = Counter()
    right: Counter[str] = Counter()
    wrong: list[str] = []
    for record in narratives:
        expected = record.extra or {}
        found = draft_to_record(record.id, extract(record.text))
        fields = {
            "loss": (found["loss_yuan"], expected.get("loss_yuan")),
            "date": ((found["occurred_at"] or "")[:10] or None, expected.get("occurred_date")),
            "transfers": (found["transfers_yuan"], expected.get("transfers_yuan") or []),
            "phones": (sorted(found["phones"]), sorted(expected.get("phones") or [])),
            # The annotation lists bank cards and accounts; QQ and WeChat ids are checked elsewhere.
            "accounts": (
                sorted(i["value"] for i in found["identifiers"] if i["kind"] == "bank_card"),
                sorted(expected.get("accounts") or []),
            ),
        }
        for name, (got, want) in fields.items():
            if name == "loss":
                ok = (got is None and want is None) or (
                    got is not None and want is not None and abs(float(got) - float(want)) < 0.01
                )
            elif name == "transfers":
                ok = _same_list(got, want)
            else:
                ok = got == want
            checks[name] += 1
            right[name] += ok
            if not ok:
                wrong.append(f"     {record.id} {name}: got {got!r}, want {want!r}")
    total = sum(checks.values())
    print(f"   all fields: {sum(right.values())}/{total} = {sum(right.values()) / total:.1%}")
    for name in checks:
        print(f"     {name:10s} {right[name]:4d}/{checks[name]:<4d} {right[name] / checks[name]:6.1%}")
    for line in wrong[:show]:
        print(line)
    return {"fields": sum(right.values()) / total, "n": len(narratives)}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def print_table(summary: dict[str, Any]) -> None:
    """The issue's table: each row's figures on these splits beside its aim, and whether it holds."""
    rows: list[tuple[str, str, bool]] = []

    def aim(text: str, figure: str, held: bool) -> None:
        rows.append((text, figure, held))

    check = summary.get("check", {})
    if check:
        chats_f, chats_o = check["chats (OCR form): fraud"], check["chats (OCR form): ordinary"]
        aim(
            "chats (OCR form): ≥85 % fraud flagged, ≤5 % ordinary flagged",
            f"{_fmt(chats_f['flagged'])} / {_fmt(chats_o['flagged'])}",
            chats_f["flagged"] >= 0.85 and chats_o["flagged"] <= 0.05,
        )
        scripts, notices = (
            check["scam scripts: fraud, four Ministry categories"],
            check["scam scripts: ordinary notices"],
        )
        aim(
            "scam scripts: ≥95 % flagged, ≥85 % 高风险; notices flagged ≤1 %",
            f"{_fmt(scripts['flagged'])}, {_fmt(scripts['high'])}; {_fmt(notices['flagged'])}",
            scripts["flagged"] >= 0.95 and scripts["high"] >= 0.85 and notices["flagged"] <= 0.01,
        )
        dialogues, talk = check["text dialogues: fraud"], check["text dialogues: non-fraud"]
        aim(
            "text dialogues: ≥90 % fraud flagged, ≤5 % non-fraud flagged",
            f"{_fmt(dialogues['flagged'])} / {_fmt(talk['flagged'])}",
            dialogues["flagged"] >= 0.90 and talk["flagged"] <= 0.05,
        )
        fraud_sms, normal_sms = check["SMS: fraud"], check["SMS: normal"]
        aim(
            "SMS: fraud ≥92 % 高风险, ≥97 % flagged; normal ≤0.5 % 高风险",
            f"{_fmt(fraud_sms['high'])}, {_fmt(fraud_sms['flagged'])}; {_fmt(normal_sms['high'])}",
            fraud_sms["high"] >= 0.92 and fraud_sms["flagged"] >= 0.97 and normal_sms["high"] <= 0.005,
        )
    classify = summary.get("classify", {})
    if classify:
        per_category = {k: v for k, v in classify["scripts"].items() if k != "all"}
        aim(
            "classify scam scripts: ≥80 % in every category",
            ", ".join(f"{k[:4]} {_fmt(v)}" for k, v in per_category.items()),
            min(per_category.values()) >= 0.80,
        )
        if "narratives" in classify and "news" in classify:
            aim(
                "classify narratives ≥90 %; real news ≥96 %",
                f"{_fmt(classify['narratives']['all'])}; {_fmt(classify['news']['all'])}",
                classify["narratives"]["all"] >= 0.90 and classify["news"]["all"] >= 0.96,
            )
    extract = summary.get("extract", {})
    if extract:
        aim("extract: field checks ≥95 %", _fmt(extract["fields"]), extract["fields"] >= 0.95)
    print("\n== the aims, on these splits")
    for text, figure, held in rows:
        print(f"   {'met    ' if held else 'NOT MET'}  {text:62s} {figure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=real.DEFAULT_DATA)
    parser.add_argument("--only", choices=("check", "classify", "extract"))
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses per source")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON")
    parser.add_argument(
        "--split",
        choices=("test", "train"),
        default="test",
        help="train: the same report on the training side, for tuning rules (never tune on test)",
    )
    args = parser.parse_args(argv)
    summary: dict[str, Any] = {}
    if args.only in (None, "check"):
        summary["check"] = run_check(args.data, args.misses, args.split == "test")
    if args.only in (None, "classify"):
        summary["classify"] = run_classify(args.data)
    if args.only in (None, "extract"):
        summary["extract"] = run_extract(args.misses, args.split == "test")
    print_table(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
