import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fanzha.domain.text_normalize import (
    TOKEN_NAMES,
    normalize_for_model,
    person_names,
    readable,
)

MESSAGE = "您的账户涉嫌洗钱，请把资金转到安全账户配合调查"


# --- person names: dropped where they are names ------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        "张经理：",
        "李老师 ",
        "王女士:",
        "【陈先生】",
        "欧阳娜娜女士，",
        "张伟先生",
        "刘洋\n",
        "张晓明：",
        "刘洋 ",
        "王总，",
        "  赵警官\n",
    ],
)
def test_sender_and_contact_names_in_front_leave_no_mark(prefix):
    assert normalize_for_model(prefix + MESSAGE) == normalize_for_model(MESSAGE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("如有疑问请联系李经理13800138000", "如有疑问请联系\ue002"),
        ("谢谢李先生的配合", "谢谢的配合"),
        ("我是公司的李先生", "我是公司的"),
        ("详询杜经理，回T退订", "详询回t退订"),
    ],
)
def test_names_inside_a_message_are_dropped_and_nothing_else(text, expected):
    assert normalize_for_model(text) == expected


def test_placeholder_and_real_name_with_title_normalise_identically():
    # The FBS source wrote NAME先生 where others wrote 张先生: both must lose the title too.
    assert normalize_for_model("NAME先生您好") == normalize_for_model("张先生您好") == "您好"
    assert normalize_for_model("请联系NAME经理") == normalize_for_model("请联系王经理")
    # A title without a name is a word like any other.
    assert normalize_for_model("先生您好") == "先生您好"


def test_keep_names_leaves_real_names_and_drops_the_placeholder():
    assert normalize_for_model("张经理：NAME您好", keep_names=True) == "张经理您好"


# --- ordinary words that begin with a surname character stay --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "高兴 见到你",
        "方便的话回个电话",
        "黄金价格今天上涨",
        "金额：500元",
        "余额：12.5元",
        "安全账户",
        "现金总额100元",
        "响应总理号召",
        "基金经理推荐",
        "语文老师布置了作业",
        "高级经理",
        "项目经理",
        "全体老师",
        "祝所有女士节日快乐",
        "【万达】周年庆",
        "官方客服",
        "公安局长",
        "马上 到账",
    ],
)
def test_ordinary_words_starting_with_a_surname_are_kept(text):
    assert person_names(text) == []
    assert normalize_for_model(text) == normalize_for_model(text, keep_names=True)


def test_a_bare_name_run_into_the_text_is_not_guessed():
    # 刘洋你好 cannot be told from 高兴你好 without a dictionary of given names: left alone.
    assert normalize_for_model("刘洋你好") == "刘洋你好"


def test_person_names_lists_what_is_dropped():
    assert person_names("张伟：请联系王经理") == ["张伟", "王经理"]


# --- properties ------------------------------------------------------------------------------

_NAMEY = st.sampled_from(
    ["张", "李", "王", "欧阳", "经理", "先生", "女士", "总", "老师", "：", ":", "\n", " ", "【", "】", "，"]
)
_PIECES = st.one_of(
    _NAMEY,
    st.sampled_from(["NAME", "DIGIT", "PHONE", "URLab9", "13800138000", "12.5", "http://a.cn/x"]),
    st.text(max_size=6),
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


def _tokens(normalized: str) -> str:
    return re.sub(r"(.)\1+", r"\1", "".join(char for char in normalized if char in TOKEN_NAMES))


@given(_TEXTS)
@example("张，经理")
@example("王张经理先生")
@example("张伟\n")
def test_normalising_twice_changes_nothing(text):
    once = normalize_for_model(text)
    assert normalize_for_model(once) == once


@given(_TEXTS)
@example("PHONE张经理PHONE")
@example("李经理13800138000王先生DIGIT")
def test_name_stripping_only_deletes_words_never_identifiers(text):
    stripped = normalize_for_model(text)
    kept = normalize_for_model(text, keep_names=True)
    # The same identifier tokens in the same order (two of a kind may merge once a name
    # between them is gone), and the stripped text is the kept one with characters deleted.
    assert _tokens(stripped) == _tokens(kept)
    remaining = iter(kept)
    assert all(char in remaining for char in stripped), (readable(stripped), readable(kept))
