"""Police time expressions read as windows of naive Asia/Shanghai local time."""

from __future__ import annotations

from datetime import datetime

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.domain.dates import DateUnreadable, find_time_expressions, parse_police_datetime

REPORTED = datetime(2021, 3, 10, 9, 0)


def _window(text: str, reported_at: datetime | None = REPORTED) -> list[tuple[str | None, str | None]]:
    fmt = "%Y-%m-%dT%H:%M"
    return [
        (e.begin.strftime(fmt) if e.begin else None, e.until.strftime(fmt) if e.until else None)
        for e in find_time_expressions(text, reported_at)
    ]


@pytest.mark.parametrize(
    ("text", "begin", "until"),
    [
        ("2020年7月4日10时许", "2020-07-04T10:00", "2020-07-04T10:59"),
        ("2020年,2月2日10时许", "2020-02-02T10:00", "2020-02-02T10:59"),
        ("2020年，2月2日", "2020-02-02T00:00", "2020-02-02T23:59"),
        ("二〇二〇年七月四日上午十时许", "2020-07-04T10:00", "2020-07-04T10:59"),
        ("2022年12月24号晚上8点左右", "2022-12-24T20:00", "2022-12-24T20:59"),
        ("二〇二二年十月一日凌晨两点许", "2022-10-01T02:00", "2022-10-01T02:59"),
        ("2023年3月3日中午1点", "2023-03-03T13:00", "2023-03-03T13:59"),
        ("2023年6月2日9时30分许", "2023-06-02T09:30", "2023-06-02T09:30"),
        ("2023-03-18 20:30", "2023-03-18T20:30", "2023-03-18T20:30"),
        ("2022年9月18日下午", "2022-09-18T12:00", "2022-09-18T17:59"),
        ("2022年10月下旬", "2022-10-21T00:00", "2022-10-31T23:59"),
        ("2020年2月", "2020-02-01T00:00", "2020-02-29T23:59"),
        ("２０２３年１月５日１５时许", "2023-01-05T15:00", "2023-01-05T15:59"),
    ],
)
def test_absolute_expressions_give_their_window(text: str, begin: str, until: str) -> None:
    assert _window(text) == [(begin, until)]


def test_relative_dates_follow_the_previous_date_in_the_text() -> None:
    text = "2020年7月4日10时许被骗，次日下午3点又转账，当晚报警；同年9月再次联系，同月8日又转账"
    assert _window(text) == [
        ("2020-07-04T10:00", "2020-07-04T10:59"),
        ("2020-07-05T15:00", "2020-07-05T15:59"),
        ("2020-07-05T18:00", "2020-07-05T23:59"),
        ("2020-09-01T00:00", "2020-09-30T23:59"),
        ("2020-09-08T00:00", "2020-09-08T23:59"),
    ]


def test_words_about_the_day_of_telling_use_reported_at() -> None:
    assert _window("昨天下午") == [("2021-03-09T12:00", "2021-03-09T17:59")]
    assert _window("3天前") == [("2021-03-07T00:00", "2021-03-07T23:59")]
    assert _window("今年1月5日") == [("2021-01-05T00:00", "2021-01-05T23:59")]
    # a month-day after the report month belongs to the year before
    assert _window("12月20日") == [("2020-12-20T00:00", "2020-12-20T23:59")]


def test_year_change_is_followed_forward() -> None:
    assert _window("2020年12月20日，1月3日") == [
        ("2020-12-20T00:00", "2020-12-20T23:59"),
        ("2021-01-03T00:00", "2021-01-03T23:59"),
    ]


def test_impossible_dates_are_reported_not_guessed() -> None:
    (expression,) = find_time_expressions("2020年2月30日", None)
    assert expression.begin is None
    assert expression.error == "2020年2月没有30日"
    (expression,) = find_time_expressions("2021年13月2日", None)
    assert expression.error is not None and "13" in expression.error


def test_relative_date_without_anchor_is_unresolved() -> None:
    (expression,) = find_time_expressions("次日", None)
    assert expression.begin is None and expression.error


def test_spans_point_into_original_text() -> None:
    text = "居民于２０２０年７月４日１０时许报警"
    (expression,) = find_time_expressions(text)
    assert text[expression.start : expression.end] == "２０２０年７月４日１０时许"


def test_parse_police_datetime_raises_on_text_without_time() -> None:
    with pytest.raises(DateUnreadable):
        parse_police_datetime("没有时间")


_moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


def _cn_year(year: int) -> str:
    return "".join("〇一二三四五六七八九"[int(c)] for c in str(year))


@settings(max_examples=200, deadline=None)
@given(_moments)
def test_police_style_renderings_parse_back_to_their_hour(moment: datetime) -> None:
    y, m, d, h = moment.year, moment.month, moment.day, moment.hour
    renderings = [
        f"{y}年{m}月{d}日{h}时许",
        f"{y}年,{m}月{d}日{h}时许",
        f"{y}年{m:02d}月{d:02d}日{h}点左右",
        f"{_cn_year(y)}年{cn2an.an2cn(m)}月{cn2an.an2cn(d)}日{cn2an.an2cn(h)}时许",
    ]
    if 1 <= h <= 11:
        renderings.append(f"{y}年{m}月{d}日上午{h}时许")
    if 13 <= h <= 17:
        renderings.append(f"{y}年{m}月{d}日下午{h - 12}点")
    start = moment.replace(minute=0)
    for text in renderings:
        begin, until = parse_police_datetime(text)
        assert begin == start, text
        assert until == start.replace(minute=59), text


@settings(max_examples=150, deadline=None)
@given(_moments)
def test_minute_precise_renderings_parse_back_exactly(moment: datetime) -> None:
    for text in (
        f"{moment.year}年{moment.month}月{moment.day}日{moment.hour}时{moment.minute}分",
        moment.strftime("%Y-%m-%d %H:%M"),
    ):
        assert parse_police_datetime(text) == (moment, moment), text


@settings(max_examples=100, deadline=None)
@given(_moments, st.integers(min_value=1, max_value=20))
def test_next_day_follows_any_anchor(moment: datetime, _: int) -> None:
    text = f"{moment.year}年{moment.month}月{moment.day}日，次日"
    first, second = find_time_expressions(text)
    assert first.begin is not None and second.begin is not None
    assert (second.begin - first.begin).days == 1
