"""The evaluation sets' story grouping: overlapping windows of one conversation form one story."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import realistic_inputs  # noqa: E402


def test_windows_sharing_a_turn_are_one_story_and_chains_join() -> None:
    texts = {
        "b": "甲：您好，我是平台客服，您的订单出了问题\n乙：怎么了？",
        "a": "乙：怎么回事呢我没收到货\n甲：您好，我是平台客服，您的订单出了问题",
        "c": "甲：需要您先交一笔保证金才能退款\n乙：怎么回事呢我没收到货",
        "d": "甲：感谢大家参加本次会议，会议即将开始",
        "e": "甲：好的\n乙：好的",
    }
    stories = realistic_inputs.shared_turn_stories(texts)
    # b shares a turn with a, a with c: one story, named by its smallest id.
    assert stories["a"] == stories["b"] == stories["c"] == "a"
    assert stories["d"] == "d"
    # Turns too short to tell one conversation from another ("好的") join nothing.
    assert stories["e"] == "e"
