import json

import pytest

from fanzha.domain.classify import load_model
from fanzha.domain.data_files import load_data_json
from fanzha.domain.taxonomy import (
    derive_tags,
    detect_tags,
    find_cues,
    load_taxonomy,
    parse_taxonomy,
)

MINISTRY_CATEGORIES = [
    "刷单返利类",
    "虚假网络投资理财类",
    "贷款、代办信用卡类",
    "虚假征信类",
    "冒充电商物流客服类",
    "虚假购物、服务类",
    "冒充公检法及政府机关类",
    "冒充领导、熟人类",
    "网络游戏产品虚假交易类",
    "网络婚恋、交友类（非虚假网络投资理财类）",
    "冒充军警购物类诈骗",
    "网黑案件",
    "其他",
]


def test_taxonomy_has_exactly_the_ministry_categories_in_order():
    assert list(load_taxonomy().category_names) == MINISTRY_CATEGORIES


def test_every_model_category_exists_in_taxonomy():
    tax = load_taxonomy()
    fraud_classes = set(load_model().classes) - {tax.non_fraud_label}
    assert fraud_classes == set(tax.category_names)


def test_every_category_has_cues_and_forms_named_by_the_report_are_tags():
    tax = load_taxonomy()
    assert all(c.cues for c in tax.categories)
    tag_names = {t.name for t in tax.tags}
    for form in [
        "安全账户",
        "虚假网站",
        "网购退款",
        "虚拟定位",
        "直播带货",
        "重金求子",
        "杀猪盘",
        "虚拟货币",
        "网络赌博",
    ]:
        assert form in tag_names
    assert {"婚恋交友", "微信群", "抖音", "QQ"} <= {t.name for t in tax.tags if t.kind == "lure"}


def test_cues_report_offsets_and_prefer_the_longer_cue():
    text = "通过微信群添加陌生人微信"
    hits = find_cues(text, ("微信", "微信群"), "x")
    assert [(h.cue, h.start, h.end) for h in hits] == [("微信群", 2, 5), ("微信", 10, 12)]
    assert all(text[h.start : h.end] == h.cue for h in hits)


def test_dating_lure_on_investment_derives_pig_butchering_tag():
    tags = [t.name for t, _ in detect_tags("通过伊对相亲平台认识对方后在平台投资")]
    assert "婚恋交友" in tags
    assert derive_tags("虚假网络投资理财类", tags) == ["杀猪盘"]
    assert derive_tags("冒充公检法及政府机关类", tags) == []


def test_parse_rejects_unknown_tag_kind_and_duplicates():
    data = load_data_json("taxonomy.json")
    bad = json.loads(json.dumps(data))
    bad["tags"][0]["kind"] = "colour"
    with pytest.raises(ValueError, match="unknown kind"):
        parse_taxonomy(bad)
    dup = json.loads(json.dumps(data))
    dup["categories"].append(dup["categories"][0])
    with pytest.raises(ValueError, match="duplicate category"):
        parse_taxonomy(dup)
