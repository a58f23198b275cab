"""Cases an officer confirmed become training rows of scripts/train_classifier.py, never test rows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.stations.models import User

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_classifier.py"
CONFIRMED_TEXT = "报案人称在某直播间看到荐股老师，被拉进投资群，在虚假平台充值8万元后无法提现。"
HELD_OUT_TEXT = "报案人称被人冒充客服以退款为由诱导其下载会议软件并转账2万元。"


def training_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_classifier_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_case(number: str, text: str, status: str, by: User | None) -> Case:
    return Case.objects.create(
        case_no=f"TEST-TRAIN-{number}",
        reported_at=timezone.now(),
        narrative=text,
        status=status,
        category="虚假网络投资理财类" if number != "3" else "冒充电商物流客服类",
        created_by=by,
    )


def test_confirmed_cases_join_training_and_held_out_text_and_drafts_stay_out(officer: User) -> None:
    script = training_script()
    make_case("1", CONFIRMED_TEXT, Case.Status.CONFIRMED, officer)
    make_case(
        "2",
        "报案人称在网上认识一名男子，对方推荐其在某平台投资，充值后无法提现。",
        Case.Status.DRAFT,
        officer,
    )
    make_case("3", HELD_OUT_TEXT, Case.Status.CONFIRMED, officer)
    held_out = [script.Example("t-1", HELD_OUT_TEXT.replace("，", "， "), "冒充电商物流客服类", "news", True)]

    rows = script.confirmed_examples(held_out)

    mine = [e for e in rows if e.text in {CONFIRMED_TEXT, HELD_OUT_TEXT}]
    assert [(e.text, e.category, e.source, e.test) for e in mine] == [
        (CONFIRMED_TEXT, "虚假网络投资理财类", "confirmed", False)
    ]
    assert not any("男子" in e.text and "推荐其在某平台投资" in e.text for e in rows)  # the draft
    assert script.SOURCE_WEIGHT["confirmed"] == 3.0
