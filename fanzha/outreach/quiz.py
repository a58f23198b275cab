"""The public anti-fraud quiz (有奖反诈问答): the question bank, a paper of questions spread over
categories, scoring with explanations, the prize draw and the awareness score per grid.

Fairness and abuse limits:
- the questions, their shuffled choices, the grid and the event travel in a signed token, so a
  submission cannot swap in questions it already knows;
- the draw uses :mod:`secrets` (the operating system's random source), with a daily prize stock;
- each paper carries a random id, unique among attempts, so a paper is scored once: submitting
  it again (or from a second tab) is refused;
- one draw per phone number ever (a unique keyed hash of the number; the number itself is kept
  only masked), one draw per attempt, and per-address limits on submissions per hour and draws
  per day, counted in the database so they hold across server processes. Count and insert happen
  in one transaction serialised per address (per station for the prize stock): a PostgreSQL
  advisory lock, or on SQLite the write lock every transaction takes, so a burst of parallel
  submissions cannot all pass the count before any of them is written.
The keyed hashes use the deployment's SECRET_KEY (kept in the data directory), so they cannot be
reversed by trying every phone number without it."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from fanzha.domain.data_files import load_data_json
from fanzha.domain.masking import mask_phone
from fanzha.domain.values.phone import parse_mobile
from fanzha.outreach.models import OutreachEvent, PrizeDraw, QuizAttempt, QuizQuestion
from fanzha.stations.models import Grid

PAPER_SALT = "fanzha.outreach.quiz.paper"
DRAW_SALT = "fanzha.outreach.quiz.draw"
PAPER_MAX_AGE = 2 * 3600
DRAW_MAX_AGE = 3600


@dataclass(frozen=True)
class QuizSettings:
    questions_per_quiz: int
    pass_correct: int
    win_numerator: int
    win_denominator: int
    daily_prize_stock: int
    prizes: tuple[str, ...]
    max_attempts_per_ip_per_hour: int
    max_draws_per_ip_per_day: int
    awareness_days: int
    awareness_min_attempts: int


@cache
def load_settings() -> QuizSettings:
    raw = dict(load_data_json("outreach/quiz.json"))
    raw.pop("_comment", None)
    raw["prizes"] = tuple(raw["prizes"])
    return QuizSettings(**raw)


def load_bank() -> list[dict[str, Any]]:
    """The shipped questions, as written in ``quiz_questions.json``."""
    raw = load_data_json("outreach/quiz_questions.json")
    return list(raw["questions"])


def sync_bank(model: type[Model] = QuizQuestion) -> int:
    """Insert or update the shipped questions by key; questions written in the admin (no key) and
    the ``active`` switch an admin set are left alone. ``model`` is the historical model when
    called from the data migration. Returns how many questions were written."""
    manager = model._default_manager
    existing: dict[str, Any] = {q.key: q for q in manager.exclude(key="")}  # type: ignore[attr-defined]
    written = 0
    for item in load_bank():
        fields = {
            "category": item["category"],
            "question": item["question"],
            "choices": item["choices"],
            "answer": item["answer"],
            "explanation": item["explanation"],
        }
        current = existing.get(item["key"])
        if current is None:
            manager.create(key=item["key"], **fields)
            written += 1
        elif any(getattr(current, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(current, k, v)
            current.save(update_fields=list(fields))
            written += 1
    return written


# ---------------------------------------------------------------------------------------------
# Papers and scoring


class QuizError(ValueError):
    """A submission or draw that is refused; ``args[0]`` says why in Chinese."""


@dataclass(frozen=True)
class ShownQuestion:
    number: int
    question: str
    category: str
    choices: list[str]


@dataclass(frozen=True)
class Paper:
    token: str
    questions: list[ShownQuestion]
    grid: Grid | None
    event: OutreachEvent | None


def resolve_place(
    grid_code: str = "", event_id: str | int | None = None
) -> tuple[Grid | None, OutreachEvent | None]:
    """The grid and event a QR code named; unknown values are ignored (the quiz still works)."""
    event = None
    if event_id not in (None, ""):
        try:
            event = OutreachEvent.objects.select_related("grid").filter(pk=int(event_id)).first()
        except (TypeError, ValueError):
            event = None
    if event is not None:
        return event.grid, event
    grid = Grid.objects.filter(code=grid_code).first() if grid_code else None
    return grid, None


def pick_questions(count: int) -> list[QuizQuestion]:
    """``count`` active questions, taking categories in a random order one question at a time,
    so that every paper covers as many categories as it can."""
    rng = secrets.SystemRandom()
    by_category: dict[str, list[QuizQuestion]] = defaultdict(list)
    for q in QuizQuestion.objects.filter(active=True):
        by_category[q.category].append(q)
    for questions in by_category.values():
        rng.shuffle(questions)
    categories = list(by_category)
    rng.shuffle(categories)
    picked: list[QuizQuestion] = []
    while len(picked) < count and any(by_category.values()):
        for category in categories:
            if by_category[category] and len(picked) < count:
                picked.append(by_category[category].pop())
    return picked


def make_paper(grid: Grid | None = None, event: OutreachEvent | None = None) -> Paper:
    rng = secrets.SystemRandom()
    items: list[list[Any]] = []
    shown: list[ShownQuestion] = []
    for number, q in enumerate(pick_questions(load_settings().questions_per_quiz)):
        order = list(range(len(q.choices)))
        rng.shuffle(order)  # stored answers favour no position once shown
        items.append([q.pk, order])
        shown.append(ShownQuestion(number, q.question, q.category, [q.choices[i] for i in order]))
    token = signing.dumps(
        {
            "q": items,
            "g": grid.pk if grid else None,
            "e": event.pk if event else None,
            "n": secrets.token_hex(16),
        },
        salt=PAPER_SALT,
    )
    return Paper(token, shown, grid, event)


@dataclass(frozen=True)
class ScoredQuestion:
    number: int
    question: str
    category: str
    choices: list[str]
    chosen: int | None
    correct_choice: int
    explanation: str

    @property
    def is_correct(self) -> bool:
        return self.chosen == self.correct_choice


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    questions: list[ScoredQuestion]
    correct: int
    total: int
    passed: bool
    draw_token: str | None


def keyed_hash(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def serialise_on(key: str) -> None:
    """Inside a transaction: wait until no other transaction holds ``key``, and hold it to the end.

    PostgreSQL: a transaction-scoped advisory lock on a 63-bit hash of the key. SQLite: nothing to
    do, every transaction already begins by taking the database's write lock (``transaction_mode``
    IMMEDIATE in settings), which serialises all writers."""
    if connection.vendor != "postgresql":
        return
    lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


PAPER_USED = "这份问卷已经提交过了，请重新开始答题"


def score_paper(token: str, answers: Mapping[int, int | None], ip: str) -> QuizResult:
    """Score a submitted paper; ``answers`` maps the question number on the paper to the index
    of the chosen (shown) choice. Records the attempt."""
    quiz_settings = load_settings()
    try:
        paper = signing.loads(token, salt=PAPER_SALT, max_age=PAPER_MAX_AGE)
    except signing.SignatureExpired:
        raise QuizError("答题时间已过，请重新开始答题") from None
    except signing.BadSignature:
        raise QuizError("问卷无效，请重新开始答题") from None
    nonce = paper.get("n")
    if not isinstance(nonce, str) or not nonce:  # a paper printed before papers carried an id
        raise QuizError("问卷无效，请重新开始答题")
    ip_hash = keyed_hash("ip", ip or "")
    ids = [int(item[0]) for item in paper["q"]]
    bank = QuizQuestion.objects.in_bulk(ids)
    scored: list[ScoredQuestion] = []
    for number, (qid, order) in enumerate(paper["q"]):
        q = bank.get(int(qid))
        if q is None:  # removed from the bank since the paper was printed
            continue
        chosen = answers.get(number)
        if chosen is not None and not 0 <= chosen < len(order):
            chosen = None
        scored.append(
            ScoredQuestion(
                number=number,
                question=q.question,
                category=q.category,
                choices=[q.choices[i] for i in order],
                chosen=chosen,
                correct_choice=list(order).index(q.answer),
                explanation=q.explanation,
            )
        )
    correct = sum(s.is_correct for s in scored)
    event_id = (
        paper.get("e") if paper.get("e") and OutreachEvent.objects.filter(pk=paper["e"]).exists() else None
    )
    try:
        with transaction.atomic():
            serialise_on(f"quiz-attempts:{ip_hash}")
            hour_ago = timezone.now() - timedelta(hours=1)
            if QuizAttempt.objects.filter(ip_hash=ip_hash, submitted_at__gte=hour_ago).count() >= (
                quiz_settings.max_attempts_per_ip_per_hour
            ):
                raise QuizError("提交太频繁，请稍后再试")
            if QuizAttempt.objects.filter(paper_nonce=nonce).exists():
                raise QuizError(PAPER_USED)
            attempt = QuizAttempt.objects.create(
                grid_id=paper.get("g"),
                event_id=event_id,
                questions=[
                    {"id": int(qid), "category": s.category, "correct": s.is_correct}
                    for (qid, _), s in zip(paper["q"], scored, strict=False)
                ],
                answers=[s.chosen for s in scored],
                correct=correct,
                total=len(scored),
                categories_wrong=sorted({s.category for s in scored if not s.is_correct}),
                ip_hash=ip_hash,
                paper_nonce=nonce,
            )
    except IntegrityError:  # the same paper submitted at the same moment from elsewhere
        raise QuizError(PAPER_USED) from None
    passed = correct >= min(quiz_settings.pass_correct, len(scored)) and len(scored) > 0
    draw_token = signing.dumps({"a": attempt.pk}, salt=DRAW_SALT) if passed else None
    return QuizResult(attempt, scored, correct, len(scored), passed, draw_token)


# ---------------------------------------------------------------------------------------------
# The prize draw


@dataclass(frozen=True)
class DrawResult:
    won: bool
    prize: str
    phone_masked: str
    message: str


def _resident_mobile(text: str) -> str:
    """The resident's mobile number as 11 digits; QuizError when ``text`` is not one."""
    digits = parse_mobile(text)
    if digits is None:
        raise QuizError("请输入正确的 11 位手机号码")
    return digits


def draw_prize(draw_token: str, phone_text: str, ip: str) -> DrawResult:
    quiz_settings = load_settings()
    try:
        attempt_id = int(signing.loads(draw_token, salt=DRAW_SALT, max_age=DRAW_MAX_AGE)["a"])
    except signing.SignatureExpired:
        raise QuizError("抽奖资格已过期，请重新答题") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise QuizError("抽奖资格无效") from None
    phone = _resident_mobile(phone_text)
    attempt = QuizAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise QuizError("抽奖资格无效")
    if PrizeDraw.objects.filter(attempt=attempt).exists():
        raise QuizError("本次答题已经抽过奖了")
    phone_hash = keyed_hash("phone", phone)
    if PrizeDraw.objects.filter(phone_hash=phone_hash).exists():
        raise QuizError("该手机号已经参加过抽奖，每个手机号只能抽奖一次")
    ip_hash = keyed_hash("ip", ip or "")
    try:
        with transaction.atomic():
            # One lock for the station: the day's prize stock is shared by every address.
            serialise_on("quiz-draws")
            day_ago = timezone.now() - timedelta(days=1)
            if PrizeDraw.objects.filter(ip_hash=ip_hash, drawn_at__gte=day_ago).count() >= (
                quiz_settings.max_draws_per_ip_per_day
            ):
                raise QuizError("抽奖太频繁，请明天再试")
            today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
            stock_left = (
                quiz_settings.daily_prize_stock
                - PrizeDraw.objects.filter(won=True, drawn_at__gte=today_start).count()
            )
            won = (
                stock_left > 0
                and secrets.randbelow(quiz_settings.win_denominator) < quiz_settings.win_numerator
            )
            prize = secrets.choice(quiz_settings.prizes) if won else ""
            PrizeDraw.objects.create(
                attempt=attempt,
                phone_hash=phone_hash,
                phone_masked=mask_phone(phone),
                won=won,
                prize=prize,
                ip_hash=ip_hash,
            )
    except IntegrityError:  # a parallel request with the same phone or attempt won the race
        raise QuizError("该手机号已经参加过抽奖，每个手机号只能抽奖一次") from None
    if won:
        message = f"恭喜中奖：{prize}！请凭手机号 {mask_phone(phone)} 到社区警务室或活动现场领取。"
    elif stock_left <= 0:
        message = "今日奖品已发完，感谢参与！"
    else:
        message = "很遗憾没有中奖，感谢参与！记住：凡是要求转账到“安全账户”的都是诈骗。"
    return DrawResult(won, prize, mask_phone(phone), message)


# ---------------------------------------------------------------------------------------------
# Awareness per grid


@dataclass(frozen=True)
class Awareness:
    """Mean share of correct answers (0-100) over quiz attempts in the window, with a 95 % interval
    over attempts; ``weakest`` the category answered worst (at least 3 answers)."""

    grid_id: int
    attempts: int
    score: float | None
    ci_low: float | None
    ci_high: float | None
    weakest: str
    weakest_rate: float | None


def awareness_from_attempts(
    grid_id: int, attempts: Iterable[tuple[int, int, list[dict[str, Any]]]], min_attempts: int
) -> Awareness:
    shares: list[float] = []
    asked: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    for correct, total, questions in attempts:
        if total:
            shares.append(correct / total)
        for q in questions or []:
            asked[q.get("category", "")] += 1
            right[q.get("category", "")] += int(bool(q.get("correct")))
    n = len(shares)
    weakest, weakest_rate = "", None
    rated = [(right[c] / asked[c], c) for c in asked if asked[c] >= 3]
    if rated:
        weakest_rate, weakest = min(rated)
        weakest_rate = round(weakest_rate * 100, 1)
    if n < max(min_attempts, 2):
        return Awareness(grid_id, n, None, None, None, weakest, weakest_rate)
    mean = sum(shares) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in shares) / (n - 1))
    half = 1.959964 * sd / math.sqrt(n)
    return Awareness(
        grid_id,
        n,
        round(mean * 100, 1),
        round(max(0.0, mean - half) * 100, 1),
        round(min(1.0, mean + half) * 100, 1),
        weakest,
        weakest_rate,
    )


def awareness_by_grid(grid_ids: Iterable[int], as_of: date | None = None) -> dict[int, Awareness]:
    quiz_settings = load_settings()
    ids = list(grid_ids)
    end = (
        timezone.now()
        if as_of is None
        else timezone.make_aware(datetime.combine(as_of + timedelta(days=1), datetime.min.time()))
    )
    start = end - timedelta(days=quiz_settings.awareness_days)
    rows: dict[int, list[tuple[int, int, list[dict[str, Any]]]]] = defaultdict(list)
    for grid_id, correct, total, questions in QuizAttempt.objects.filter(
        grid_id__in=ids, submitted_at__gte=start, submitted_at__lt=end
    ).values_list("grid_id", "correct", "total", "questions"):
        rows[grid_id].append((correct, total, questions))
    return {
        gid: awareness_from_attempts(gid, rows.get(gid, []), quiz_settings.awareness_min_attempts)
        for gid in ids
    }
