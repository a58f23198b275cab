"""A police case narrative (简要案情) turned into a structured draft for an officer to confirm.

Everything found keeps its ``(start, end)`` span in the original text so a page can highlight
it; nothing is silently dropped: what does not add up or cannot be read becomes a warning.

How an amount is read (words in ``fanzha/data/extraction/amount_roles.json``): within its
clause (text since the last comma or full stop), the role word nearest before the amount
decides — a payment word makes it a transfer (a list "转了1299元、3588元" shares the clause),
损失/被骗 makes it the stated loss, 返还/收益/提现… makes it incoming money, 要求/需… without a
paid mark makes it a demand. A transfer after 共计/合计 is a stated total, not one more payment.

The payment means of a transfer is the means word nearest to it in its clause (before, then
after), else in the clause before, else the previous transfer's means (marked inferred).

The occurrence window runs from the start of the first time expression that is not about the
report itself (报警/报案…) to the end of the last such expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from fanzha.domain.amounts import Amount, find_amounts, to_halfwidth
from fanzha.domain.data_files import load_data_json
from fanzha.domain.dates import TimeExpression, find_time_expressions
from fanzha.domain.identifiers import Identifier, find_identifiers
from fanzha.domain.masking import mask_identifier
from fanzha.domain.values.money import format_yuan

AmountRole = Literal["transfer", "total", "loss", "incoming", "demand", "other"]

# A comma breaks a clause, except a thousands separator ("1,980元").
_CLAUSE_BREAK = re.compile(r"[。;!?:\n]|(?<!\d),|,(?!\d{3}(?!\d))")
_SENTENCE_BREAK = re.compile(r"[。;!?\n]")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_data_json(f"extraction/{name}")
    return data


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Lexicon:
    channel_pattern: re.Pattern[str]
    channel_by_form: dict[str, str]
    channel_means_suffix: re.Pattern[str]
    means_pattern: re.Pattern[str]
    means_by_form: dict[str, str]
    role_pattern: re.Pattern[str]
    role_by_word: dict[str, str]
    totalizer_pattern: re.Pattern[str]
    paid_pattern: re.Pattern[str]
    demand_pattern: re.Pattern[str]
    comply_pattern: re.Pattern[str]
    no_loss_pattern: re.Pattern[str]
    after_transfer_pattern: re.Pattern[str]
    paid_confirmation_pattern: re.Pattern[str]
    platform_suffix_pattern: re.Pattern[str]
    platform_stop_pattern: re.Pattern[str]
    platform_anchor_words: frozenset[str]
    platform_intro_tail: re.Pattern[str]
    platform_generic: frozenset[str]
    platform_strip_tail: tuple[str, ...]
    platform_suffixes: tuple[str, ...]
    quoted_rejects: frozenset[str]
    quoted_reject_endings: tuple[str, ...]
    claim_followers: tuple[str, ...]
    known_apps: frozenset[str]
    victim_pattern: re.Pattern[str]
    name_stop_chars: frozenset[str]
    compound_surnames: tuple[str, ...]
    report_pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    channels = _load("channels.json")
    means = _load("payment_means.json")
    roles = _load("amount_roles.json")
    platform = _load("platform_words.json")
    cues = _load("narrative_cues.json")
    channel_by_form = {form: entry["name"] for entry in channels["channels"] for form in entry["forms"]}
    means_by_form = {form: entry["name"] for entry in means["means"] for form in entry["forms"]}
    role_by_word: dict[str, str] = {}
    # Later roles overwrite earlier ones for a word listed twice; transfer words are the
    # most generic, so they go first.
    for role in ("transfer", "demand", "incoming", "loss"):
        for word in roles[role]:
            role_by_word[word] = role
    suffixes = tuple(platform["suffixes"])
    return _Lexicon(
        channel_pattern=re.compile(_alternation(list(channel_by_form))),
        channel_by_form=channel_by_form,
        channel_means_suffix=re.compile(_alternation(channels["means_suffixes"])),
        means_pattern=re.compile(_alternation(list(means_by_form))),
        means_by_form=means_by_form,
        role_pattern=re.compile(_alternation(list(role_by_word))),
        role_by_word=role_by_word,
        totalizer_pattern=re.compile(_alternation(roles["totalizers"])),
        paid_pattern=re.compile(_alternation(roles["paid_marks"])),
        demand_pattern=re.compile(_alternation(roles["demand"])),
        comply_pattern=re.compile(f"(?:{_alternation(roles['comply_marks'])})\\S{{0,3}}$"),
        no_loss_pattern=re.compile(_alternation(roles["no_loss"])),
        after_transfer_pattern=re.compile(_alternation(roles["after_transfer"])),
        paid_confirmation_pattern=re.compile(
            f"[^,。;]{{0,6}}?(?:{_alternation(roles['paid_confirmations'])})"
        ),
        platform_suffix_pattern=re.compile(_alternation(list(suffixes))),
        platform_stop_pattern=re.compile(_alternation(platform["stop_words"])),
        platform_anchor_words=frozenset(platform["anchor_words"]),
        platform_intro_tail=re.compile(f"(?:{_alternation(platform['intro_words'])})\\s*$"),
        platform_generic=frozenset(platform["generic"]),
        platform_strip_tail=tuple(sorted(platform["strip_tail"], key=len, reverse=True)),
        platform_suffixes=suffixes,
        quoted_rejects=frozenset(platform["quoted_rejects"]),
        quoted_reject_endings=tuple(platform["quoted_reject_endings"]),
        claim_followers=tuple(platform["claim_followers"]),
        known_apps=frozenset(channel_by_form.values()),
        victim_pattern=re.compile(f"(?:{_alternation(cues['victim_titles'])})[:：\\s]*"),
        name_stop_chars=frozenset(cues["name_stop_chars"]),
        compound_surnames=tuple(cues["compound_surnames"]),
        report_pattern=re.compile(
            f"(?:{_alternation(cues['report_words'])})(?!{cues['report_exclude_after']})"
        ),
    )


@dataclass(frozen=True)
class Mention:
    """A named thing in the text: ``value`` is the canonical name, ``text`` as written."""

    value: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Transfer:
    """One payment by the victim, in text order. ``means`` is None when nothing names it."""

    amount: Amount
    means: str | None
    means_inferred: bool = False
    #: The account, card or wallet the money went to, where the narrative names it.
    to_account: str | None = None
    #: When it was paid, where the text tells: the last time expression before it (naive local).
    at: datetime | None = None

    @property
    def start(self) -> int:
        return self.amount.start

    @property
    def end(self) -> int:
        return self.amount.end


@dataclass(frozen=True)
class ExtractionWarning:
    """Something an officer must look at; ``message`` is Chinese, ``span`` may point at text."""

    code: str
    message: str
    span: tuple[int, int] | None = None


@dataclass
class ExtractionDraft:
    """What a narrative says, for an officer to confirm. Money in fen, times naive Shanghai."""

    text: str
    occurred_at: datetime | None = None
    occurred_until: datetime | None = None
    time_expressions: list[TimeExpression] = field(default_factory=list)
    victim: Mention | None = None
    channels: list[Mention] = field(default_factory=list)
    platforms: list[Mention] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    loss: Amount | None = None
    stated_total: Amount | None = None
    amounts: list[tuple[Amount, AmountRole]] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    warnings: list[ExtractionWarning] = field(default_factory=list)

    @property
    def transfer_total_fen(self) -> int:
        """Sum of the transfers' lower bounds."""
        return sum(t.amount.lower_fen for t in self.transfers)

    @property
    def transfer_total_max_fen(self) -> int:
        return sum(t.amount.upper_fen for t in self.transfers)


def _clause_start(folded: str, position: int) -> int:
    for at in range(position - 1, -1, -1):
        if _CLAUSE_BREAK.match(folded, at):
            return at + 1
    return 0


def _clause_end(folded: str, position: int) -> int:
    match = _CLAUSE_BREAK.search(folded, position)
    return match.start() if match else len(folded)


# An amount in a list ("转账三笔，分别为5000元、12000元、3000元") takes the role of the clause
# that introduced the list: the list's own clause has no role word.
_LIST_LEAD = re.compile(r"(?:分别|依次|各)(?:为|是)?:?(?:[^,。;、]{0,16}、)*$|^(?:[^,。;、]{0,16}、)+$")
# "…转账3笔，分别为…，共计563300元": a total with no role word of its own closes the list.
_TOTAL_LEAD = re.compile(r"^(?:共计|合计|总计|累计|共|总共)(?:金额)?(?:为|是)?:?$")


def _sentence_start(folded: str, position: int) -> int:
    for at in range(position - 1, -1, -1):
        if _SENTENCE_BREAK.match(folded, at):
            return at + 1
    return 0


def _amount_role(folded: str, amount: Amount, lexicon: _Lexicon) -> AmountRole:
    start = _clause_start(folded, amount.start)
    before = folded[start : amount.start]
    nearest: re.Match[str] | None = None
    if _LIST_LEAD.search(before):
        # The list's items are what the lead word says ("转账三笔，分别为…", "累计转账2万元
        # （分别为…）"): a 累计 before the lead word makes the lead a total, not the items.
        lead = folded[_sentence_start(folded, amount.start) : amount.start]
        for match in lexicon.role_pattern.finditer(lead):
            nearest = match
        if nearest is not None and lexicon.role_by_word[nearest.group()] == "transfer":
            return "transfer"
        nearest = None
    for match in lexicon.role_pattern.finditer(before):
        nearest = match
    if nearest is None and _TOTAL_LEAD.match(before.strip()):
        lead = folded[_sentence_start(folded, amount.start) : start]
        if any(lexicon.role_by_word[m.group()] == "transfer" for m in lexicon.role_pattern.finditer(lead)):
            return "total"
    if nearest is None:
        if lexicon.after_transfer_pattern.match(folded, amount.end):
            return "transfer"
        return "other"
    role = lexicon.role_by_word[nearest.group()]
    if role in ("transfer", "demand"):
        if lexicon.totalizer_pattern.search(before):
            return "total"
        # "需缴纳会员费3000元" asks; "按要求先后支付" and "要求其转账，其转了" pay.
        demand: re.Match[str] | None = None
        for match in lexicon.demand_pattern.finditer(before, 0, nearest.end()):
            demand = match
        if demand is None:
            return "transfer"
        if lexicon.comply_pattern.search(before, 0, demand.start()):
            return "transfer"
        if lexicon.paid_pattern.search(before, demand.end()):
            return "transfer"
        if _confirmed_paid(folded, amount, lexicon):
            return "transfer"
        return "demand"
    if role == "loss":
        return "loss"
    if role == "incoming":
        return "incoming"
    return "other"


def _confirmed_paid(folded: str, amount: Amount, lexicon: _Lexicon) -> bool:
    end = _clause_end(folded, amount.end)
    if end >= len(folded) or folded[end] != ",":
        return False
    following = folded[end + 1 : _clause_end(folded, end + 1)]
    if re.search(r"\d|元", following):
        return False  # "马某再次转账3000元" is its own transfer, not a confirmation
    return bool(lexicon.paid_confirmation_pattern.match(following))


def _nearest_means(segment: str, lexicon: _Lexicon, last: bool) -> str | None:
    matches = list(lexicon.means_pattern.finditer(segment))
    if not matches:
        return None
    chosen = matches[-1] if last else matches[0]
    return lexicon.means_by_form[chosen.group()]


def _transfer_means(folded: str, amount: Amount, lexicon: _Lexicon) -> str | None:
    start = _clause_start(folded, amount.start)
    end = _clause_end(folded, amount.end)
    means = _nearest_means(folded[start : amount.start], lexicon, last=True)
    if means:
        return means
    means = _nearest_means(folded[amount.end : end], lexicon, last=False)
    if means:
        return means
    if start > 0 and not _SENTENCE_BREAK.match(folded, start - 1):
        previous_start = _clause_start(folded, start - 1)
        means = _nearest_means(folded[previous_start : start - 1], lexicon, last=True)
        if means:
            return means
    if end < len(folded) and not _SENTENCE_BREAK.match(folded, end):
        # "…支付货款6800元、关税1200元，均通过微信转账"
        following = folded[end + 1 : _clause_end(folded, end + 1)]
        if not re.search(r"\d|元", following):
            return _nearest_means(following, lexicon, last=False)
    return None


def _find_channels(text: str, folded: str, lexicon: _Lexicon) -> list[Mention]:
    found: list[Mention] = []
    seen: set[str] = set()
    for match in lexicon.channel_pattern.finditer(folded):
        if lexicon.channel_means_suffix.match(folded, match.end()):
            continue
        # ASCII names (QQ, Soul, vx) must not be read out of a longer Latin word or a URL.
        form = match.group()
        if form.isascii() and (
            (
                match.start() > 0
                and folded[match.start() - 1].isascii()
                and folded[match.start() - 1].isalpha()
            )
            or (match.end() < len(folded) and folded[match.end()].isascii() and folded[match.end()].isalpha())
        ):
            continue
        name = lexicon.channel_by_form[form]
        if name in seen:
            continue
        seen.add(name)
        found.append(Mention(name, text[match.start() : match.end()], match.start(), match.end()))
    return found


def _platform_value(name: str, lexicon: _Lexicon) -> str | None:
    name = name.strip(" \"'“”「」『』《》")
    for suffix in lexicon.platform_suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)].rstrip()
            break
    if not name or name in lexicon.platform_generic or name in lexicon.quoted_rejects:
        return None
    return name


def _find_platforms(text: str, folded: str, lexicon: _Lexicon) -> list[Mention]:
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for match in re.finditer(r"[“\"「『《]([^”\"」』》\n,。]{1,20})[”\"」』》]", folded):
        inner = match.group(1).strip()
        after = folded[match.end() : match.end() + 8]
        before = folded[max(0, match.start() - 6) : match.start()]
        suffix_after = re.match(
            r"[\u4e00-\u9fa5]{0,4}?(?:" + lexicon.platform_suffix_pattern.pattern + ")", after
        )
        ends_in_suffix = inner.endswith(lexicon.platform_suffixes)
        known = inner in lexicon.known_apps
        introduced = bool(lexicon.platform_intro_tail.search(before))
        claimed = after.startswith(lexicon.claim_followers)
        suffix_before = before.rstrip("为是叫").endswith(lexicon.platform_suffixes)
        if not (suffix_after or ends_in_suffix or known or introduced or claimed or suffix_before):
            continue
        if inner.endswith(lexicon.quoted_reject_endings):
            continue
        value = _platform_value(inner, lexicon)
        if value is None:
            continue
        found.append(Mention(value, text[match.start(1) : match.end(1)], match.start(1), match.end(1)))
        taken.append((match.start(), match.end() + (suffix_after.end() if suffix_after else 0)))
    for match in lexicon.platform_suffix_pattern.finditer(folded):
        if any(t_start <= match.start() < t_end for t_start, t_end in taken):
            continue
        if (
            match.group().isascii()
            and match.end() < len(folded)
            and folded[match.end()].isascii()
            and folded[match.end()].isalpha()
        ):
            continue  # "App" inside "Apple"
        left = match.start()
        while (
            left > 0 and left > match.start() - 12 and re.match(r"[\u4e00-\u9fa5A-Za-z0-9]", folded[left - 1])
        ):
            left -= 1
        candidate = folded[left : match.start()]
        last_stop: re.Match[str] | None = None
        for stop in lexicon.platform_stop_pattern.finditer(candidate):
            last_stop = stop
        # Without a 下载/登录/在… right before it, "称掌握博彩网站" would yield a name.
        if last_stop is None or last_stop.group() not in lexicon.platform_anchor_words:
            continue
        cut = last_stop.end()
        candidate = candidate[cut:]
        left += cut
        for tail in lexicon.platform_strip_tail:
            if candidate.endswith(tail) and len(candidate) > len(tail):
                candidate = candidate[: -len(tail)]
                break
        if len(candidate) < 2 or candidate in lexicon.platform_generic:
            continue
        if all(ch in "".join(lexicon.platform_generic) for ch in candidate):
            continue
        found.append(Mention(candidate, text[left : left + len(candidate)], left, left + len(candidate)))
        taken.append((left, match.end()))
    unique: list[Mention] = []
    seen: set[str] = set()
    for mention in sorted(found, key=lambda m: m.start):
        if mention.value not in seen:
            seen.add(mention.value)
            unique.append(mention)
    return unique


def find_victim(text: str) -> Mention | None:
    """The victim's name as written after 辖区居民/受害人/报警人… ("张某芹", "朱某某", "王XX")."""
    lexicon = _lexicon()
    folded = to_halfwidth(text)
    for match in lexicon.victim_pattern.finditer(folded):
        start = match.end()
        limit = 3
        if folded.startswith(lexicon.compound_surnames, start):
            limit = 4
        end = start
        while end < len(folded) and end - start < limit:
            ch = folded[end]
            if not re.match(r"[\u4e00-\u9fa5某*×xX]", ch):
                break
            if end - start >= 2 and ch in lexicon.name_stop_chars:
                break
            if end - start == 1 and ch in lexicon.name_stop_chars and ch not in "某":
                break
            end += 1
        if end - start >= 2 and folded[start] not in lexicon.name_stop_chars:
            return Mention(text[start:end], text[start:end], start, end)
    return None


REPORT_SCOPE_CHARS = 40
_REPORT_SCOPE_END = re.compile(r"称|:|。|;|其于|其在")
# "2025年10月19日（星期日），报警人…": a bracketed weekday after the date belongs to it.
_WEEKDAY_AFTER = re.compile(r"\s*\([^)]{0,6}\)")


def _is_report_time(folded: str, expression: TimeExpression, lexicon: _Lexicon) -> bool:
    expression_end = expression.end
    if weekday := _WEEKDAY_AFTER.match(folded, expression_end):
        expression_end = weekday.end()
    # The report words follow within the opening of the sentence, before what was reported
    # ("…，事主毛某某（女，67岁）来所报案称：2025年8月8日…"): up to 称, a colon or the sentence end.
    scope = _REPORT_SCOPE_END.search(folded, expression_end, expression_end + REPORT_SCOPE_CHARS)
    end = scope.start() if scope else min(len(folded), expression_end + REPORT_SCOPE_CHARS)
    return bool(lexicon.report_pattern.search(folded, expression_end, end))


def extract(text: str, reported_at: datetime | None = None) -> ExtractionDraft:
    """Read a narrative into an :class:`ExtractionDraft`.

    ``reported_at`` (naive local time, or aware — its wall clock is used) resolves "今天",
    "昨日", "今年5月" and month-days without a year.
    """
    lexicon = _lexicon()
    folded = to_halfwidth(text)
    draft = ExtractionDraft(text=text)
    warnings = draft.warnings

    draft.time_expressions = find_time_expressions(text, reported_at)
    if reported_at is None:
        # "2025年10月19日，报警人称其于10月4日…": the report date in the text dates the rest.
        anchor = next(
            (
                e.begin
                for e in draft.time_expressions
                if e.begin is not None and not e.error and _is_report_time(folded, e, lexicon)
            ),
            None,
        )
        if anchor is not None:
            draft.time_expressions = find_time_expressions(text, anchor)
    events: list[TimeExpression] = []
    for expression in draft.time_expressions:
        if expression.error:
            warnings.append(
                ExtractionWarning(
                    "date_unreadable",
                    f"时间“{expression.text}”无法识别：{expression.error}",
                    (expression.start, expression.end),
                )
            )
        elif not _is_report_time(folded, expression, lexicon):
            events.append(expression)
    if not events:
        # "21时许，陈某报警称被网友以投资为名诈骗…": the report time is the only time given. It is
        # the best bound there is (the fraud happened before it), and the officer is told so.
        reports = [e for e in draft.time_expressions if not e.error and e.begin is not None]
        if reports:
            events = reports[:1]
            warnings.append(
                ExtractionWarning(
                    "occurred_is_report_time",
                    f"文中只有报警时间“{reports[0].text}”，暂以报警时间作为案发时间，请核实",
                    (reports[0].start, reports[0].end),
                )
            )
    if events:
        draft.occurred_at = events[0].begin
        draft.occurred_until = max(e.until for e in events if e.until is not None)
        if (
            reported_at is not None
            and draft.occurred_at
            and draft.occurred_at > reported_at.replace(tzinfo=None)
        ):
            warnings.append(
                ExtractionWarning(
                    "date_after_report",
                    f"案发时间{draft.occurred_at:%Y-%m-%d %H:%M}晚于报警时间{reported_at:%Y-%m-%d %H:%M}",
                )
            )
    elif not any(w.code == "date_unreadable" for w in warnings):
        warnings.append(ExtractionWarning("date_unreadable", "未能识别案发时间"))

    draft.victim = find_victim(text)
    draft.channels = _find_channels(text, folded, lexicon)
    draft.platforms = _find_platforms(text, folded, lexicon)
    named = {c.value for c in draft.channels}
    # "“转转”APP" names a shopping app as a platform; it is a contact channel too.
    draft.channels += [p for p in draft.platforms if p.value in lexicon.known_apps and p.value not in named]
    draft.channels.sort(key=lambda m: m.start)
    draft.identifiers = find_identifiers(text)
    identifier_spans = [(i.start, i.end) for i in draft.identifiers]

    amounts, unreadable = find_amounts(text)
    for start, end, written in unreadable:
        warnings.append(ExtractionWarning("amount_unreadable", f"金额“{written}”无法识别", (start, end)))
    previous_means: str | None = None
    for amount in amounts:
        if any(s <= amount.start < e for s, e in identifier_spans):
            continue
        role = _amount_role(folded, amount, lexicon)
        draft.amounts.append((amount, role))
        if role == "transfer":
            means = _transfer_means(folded, amount, lexicon)
            inferred = False
            if means is None and previous_means is not None:
                means, inferred = previous_means, True
            previous_means = means or previous_means
            draft.transfers.append(Transfer(amount, means, inferred))
            if amount.unit_missing:
                warnings.append(
                    ExtractionWarning(
                        "amount_unit_missing",
                        f"转账金额“{amount.text}”未写单位，按元计",
                        (amount.start, amount.end),
                    )
                )
        elif role == "loss":
            draft.loss = amount  # the last statement of the loss is the conclusive one
        elif role == "total":
            draft.stated_total = amount

    if draft.loss is None and (no_loss := lexicon.no_loss_pattern.search(folded)):
        draft.loss = Amount(no_loss.group(), no_loss.start(), no_loss.end(), 0, 0, "exact")
    if draft.loss is None and draft.stated_total is not None:
        # "累计转账8.6万元" with no other statement of the loss: the total paid is the loss.
        draft.loss = draft.stated_total
    elif draft.loss is None and draft.transfers:
        # "转账1.5万元。现对方已无法联系": what was paid to the fraudster is the loss; said so.
        lower = sum(t.amount.lower_fen for t in draft.transfers)
        upper = sum(t.amount.upper_fen for t in draft.transfers)
        first, last = draft.transfers[0].amount, draft.transfers[-1].amount
        draft.loss = Amount(folded[first.start : last.end], first.start, last.end, lower, upper, "exact")
        warnings.append(
            ExtractionWarning("loss_from_transfers", "文中未写明损失，暂按转账合计计为损失，请核实")
        )
    if draft.loss is None:
        if re.search(r"损失|被骗", folded):
            warnings.append(ExtractionWarning("amount_unreadable", "文中提到损失，但未能读出损失金额"))
        else:
            warnings.append(ExtractionWarning("loss_missing", "未写明损失金额"))
    draft.transfers = _with_accounts_and_times(draft, folded, events)
    _check_sums(draft)
    for identifier in draft.identifiers:
        if not identifier.valid:
            warnings.append(
                ExtractionWarning(
                    "identifier_invalid",
                    f"{_KIND_NAMES[identifier.kind]}“{mask_identifier(identifier)}”{_INVALID_REASON[identifier.kind]}",
                    (identifier.start, identifier.end),
                )
            )
    return draft


def _sentence_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    before = [m.end() for m in _SENTENCE_BREAK.finditer(folded, 0, start)]
    after = _SENTENCE_BREAK.search(folded, end)
    return (before[-1] if before else 0), (after.start() if after else len(folded))


@lru_cache(maxsize=1)
def _receiving_rules() -> tuple[dict[str, Any], re.Pattern[str]]:
    rules = _load("receiving_accounts.json")
    return rules, re.compile(_alternation(rules["cue_words"]))


def _receiving_account(folded: str, transfer: Transfer, identifiers: list[Identifier]) -> str | None:
    """The transfer's receiving account (rules in receiving_accounts.json), or None."""
    rules, cue = _receiving_rules()
    kinds = set(rules["by_means"].get(transfer.means, []) if transfer.means else rules["unknown_means"])
    if not kinds:
        return None
    window = int(rules["cue_window"])
    first, last = _sentence_bounds(folded, transfer.start, transfer.end)
    candidates = [
        i
        for i in identifiers
        if i.kind in kinds
        and first <= i.start < last
        and (i.kind not in rules["needs_cue"] or cue.search(folded, max(first, i.start - window), i.start))
    ]
    clause = (_clause_start(folded, transfer.start), _clause_end(folded, transfer.end))
    in_clause = {i.value for i in candidates if clause[0] <= i.start < clause[1]}
    if len(in_clause) == 1:
        return in_clause.pop()
    if in_clause or transfer.means not in rules["sentence_fallback_means"]:
        return None
    in_sentence = {i.value for i in candidates}
    return in_sentence.pop() if len(in_sentence) == 1 else None


def _with_accounts_and_times(
    draft: ExtractionDraft, folded: str, events: list[TimeExpression]
) -> list[Transfer]:
    """Each transfer with where the money went and when, as far as the text tells."""
    out = []
    for transfer in draft.transfers:
        before = [e for e in events if e.begin is not None and e.start < transfer.start]
        out.append(
            replace(
                transfer,
                to_account=_receiving_account(folded, transfer, draft.identifiers),
                at=before[-1].begin if before else None,
            )
        )
    return out


_KIND_NAMES = {
    "bank_card": "银行卡号",
    "mobile": "手机号",
    "landline": "电话号码",
    "international": "境外电话",
    "service_number": "服务号码",
    "qq": "QQ号",
    "wechat": "微信号",
    "email": "邮箱",
    "url": "网址",
    "domain": "域名",
    "id_number": "身份证号",
}
_INVALID_REASON = {
    "bank_card": "未通过Luhn校验，可能抄录有误",
    "mobile": "不在手机号段内，可能抄录有误",
    "landline": "格式不正确",
    "international": "格式不正确",
    "service_number": "格式不正确",
    "qq": "格式不正确",
    "wechat": "格式不正确",
    "email": "格式不正确",
    "url": "格式不正确",
    "domain": "格式不正确",
    "id_number": "校验位或出生日期不正确，可能抄录有误",
}


def _overlaps(a_lower: int, a_upper: int, b_lower: int, b_upper: int, tolerance: int = 0) -> bool:
    return a_lower <= b_upper + tolerance and b_lower <= a_upper + tolerance


def _tolerance(amount: Amount) -> int:
    # "约1.2万元" is only as exact as its last written digit: allow half a step either way.
    if amount.qualifier != "approx":
        return 0
    digits = re.sub(r"[^0-9.]", "", amount.text)
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    unit = 1_000_000 if "万" in amount.text else 100
    return unit // (10**decimals) // 2


def _describe(amount: Amount) -> str:
    if amount.lower_fen == amount.upper_fen:
        return format_yuan(amount.lower_fen, unit="元")
    return f"{format_yuan(amount.lower_fen, unit='元')}余（“{amount.text}”）"


def _check_sums(draft: ExtractionDraft) -> None:
    if not draft.transfers:
        return
    low, high = draft.transfer_total_fen, draft.transfer_total_max_fen
    written = "、".join(t.amount.text for t in draft.transfers)
    total_text = (
        format_yuan(low, unit="元")
        if low == high
        else f"{format_yuan(low, unit='元')}至{format_yuan(high, unit='元')}"
    )
    for stated, label in ((draft.loss, "所述损失"), (draft.stated_total, "所述合计")):
        if stated is None:
            continue
        if _overlaps(low, high, stated.lower_fen, stated.upper_fen, _tolerance(stated)):
            continue
        difference = stated.lower_fen - high if stated.lower_fen > high else low - stated.upper_fen
        direction = "少于" if stated.lower_fen > high else "多于"
        draft.warnings.append(
            ExtractionWarning(
                "transfer_sum_mismatch",
                f"{len(draft.transfers)}笔转账（{written}）合计{total_text}，"
                f"{direction}{label}{_describe(stated)}，相差{format_yuan(difference, unit='元')}",
                (stated.start, stated.end),
            )
        )
