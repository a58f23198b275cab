"""The public quiz: the bank, the page without login, scoring with explanations, the prize draw
and its limits, and the awareness score it feeds."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from django.core import signing
from django.urls import reverse

from fanzha.domain.taxonomy import load_taxonomy
from fanzha.outreach import quiz
from fanzha.outreach.models import PrizeDraw, QuizAttempt, QuizQuestion
from fanzha.stations.models import Grid

pytestmark = pytest.mark.django_db


def test_bank_has_at_least_120_sound_questions_across_categories() -> None:
    bank = quiz.load_bank()
    assert len(bank) >= 120
    keys = [q["key"] for q in bank]
    assert len(set(keys)) == len(keys)
    texts = [q["question"] for q in bank]
    assert len(set(texts)) == len(texts)
    per_category = Counter(q["category"] for q in bank)
    fraud_categories = set(load_taxonomy().category_names) - {"其他"}
    assert fraud_categories <= set(per_category), fraud_categories - set(per_category)
    assert min(per_category[c] for c in fraud_categories) >= 8
    for q in bank:
        assert 3 <= len(q["choices"]) <= 4 and 0 <= q["answer"] < len(q["choices"]), q["key"]
        assert len(set(q["choices"])) == len(q["choices"]), q["key"]
        assert len(q["explanation"]) >= 10, q["key"]


def test_data_migration_loaded_the_bank_into_every_database() -> None:
    assert QuizQuestion.objects.filter(active=True).exclude(key="").count() == len(quiz.load_bank())
    assert quiz.sync_bank() == 0  # already up to date: nothing rewritten, nothing duplicated


def test_quiz_page_works_without_login_and_spreads_categories(client: Any) -> None:
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    response = client.get(f"/public/quiz/?grid={grid.code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html and "有奖反诈问答" in html
    assert html.count('<fieldset class="question">') == quiz.load_settings().questions_per_quiz
    categories = re.findall(r'<span class="cat">([^<]+)</span>', html)
    assert len(set(categories)) == len(categories)  # ten questions, ten different categories
    token = re.search(r'name="paper" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert signing.loads(token, salt=quiz.PAPER_SALT)["g"] == grid.pk


def answer_all(paper: quiz.Paper, right: int) -> dict[int, int]:
    """Answers with exactly ``right`` correct ones."""
    payload = signing.loads(paper.token, salt=quiz.PAPER_SALT)
    bank = QuizQuestion.objects.in_bulk([qid for qid, _ in payload["q"]])
    answers = {}
    for number, (qid, order) in enumerate(payload["q"]):
        correct = list(order).index(bank[qid].answer)
        answers[number] = correct if number < right else (correct + 1) % len(order)
    return answers


def test_scoring_counts_right_answers_and_explains_each(client: Any) -> None:
    grid = Grid.objects.order_by("code").first()
    paper = quiz.make_paper(grid)
    answers = answer_all(paper, 7)
    response = client.post(
        "/public/quiz/",
        {"paper": paper.token, **{f"q{n}": str(a) for n, a in answers.items()}},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "7 / 10" in html
    assert html.count('class="explain"') == 10
    assert "抽奖" in html and 'name="phone"' not in html  # 7 < 8: no draw
    attempt = QuizAttempt.objects.latest("pk")
    assert (attempt.correct, attempt.total, attempt.grid) == (7, 10, grid)
    assert len(attempt.categories_wrong) == 3
    assert attempt.ip_hash != "10.0.0.7" and "10.0.0.7" not in json.dumps(attempt.questions)


def test_tampered_paper_is_refused(client: Any) -> None:
    paper = quiz.make_paper()
    response = client.post("/public/quiz/", {"paper": paper.token[:-3] + "abc", "q0": "0"})
    assert response.status_code == 400 and "问卷无效" in response.content.decode()


def passing_draw_token(ip: str = "10.1.1.1") -> str:
    paper = quiz.make_paper()
    result = quiz.score_paper(paper.token, answer_all(paper, 10), ip)
    assert result.passed and result.draw_token
    return result.draw_token


def test_one_draw_per_phone_number(client: Any) -> None:
    first = client.post(
        reverse("quiz:draw"),
        {"token": passing_draw_token(), "phone": "138 1234 5678"},
        REMOTE_ADDR="10.2.0.1",
    )
    assert first.status_code == 200
    draw = PrizeDraw.objects.get()
    assert draw.phone_masked == "138****5678"
    assert "13812345678" not in draw.phone_hash and len(draw.phone_hash) == 64
    second = client.post(
        reverse("quiz:draw"),
        {"token": passing_draw_token("10.2.0.2"), "phone": "+8613812345678"},
        REMOTE_ADDR="10.2.0.2",
    )
    assert second.status_code == 409
    assert "每个手机号只能抽奖一次" in second.content.decode()
    assert PrizeDraw.objects.count() == 1


def test_same_attempt_cannot_draw_twice_and_bad_phone_is_refused() -> None:
    token = passing_draw_token()
    with pytest.raises(quiz.QuizError, match="手机号码"):
        quiz.draw_prize(token, "12345", "10.3.0.1")
    quiz.draw_prize(token, "13900000001", "10.3.0.1")
    with pytest.raises(quiz.QuizError, match="已经抽过奖"):
        quiz.draw_prize(token, "13900000002", "10.3.0.1")


def test_failing_score_gives_no_draw_token() -> None:
    paper = quiz.make_paper()
    result = quiz.score_paper(paper.token, answer_all(paper, 3), "10.4.0.1")
    assert not result.passed and result.draw_token is None


def test_submission_rate_limit_trips(client: Any, monkeypatch: Any) -> None:
    limits = quiz.load_settings()
    monkeypatch.setattr(
        quiz, "load_settings", lambda: type(limits)(**{**limits.__dict__, "max_attempts_per_ip_per_hour": 3})
    )
    codes = [
        client.post(
            "/public/quiz/", {"paper": quiz.make_paper().token, "q0": "0"}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert (
        "提交太频繁"
        in client.post(
            "/public/quiz/", {"paper": quiz.make_paper().token}, REMOTE_ADDR="10.9.9.9"
        ).content.decode()
    )
    # Another address is not affected.
    assert (
        client.post(
            "/public/quiz/", {"paper": quiz.make_paper().token, "q0": "0"}, REMOTE_ADDR="10.9.9.8"
        ).status_code
        == 200
    )


def test_a_paper_is_scored_once(client: Any) -> None:
    paper = quiz.make_paper()
    first = client.post("/public/quiz/", {"paper": paper.token, "q0": "0"}, REMOTE_ADDR="10.9.9.7")
    assert first.status_code == 200
    attempts = QuizAttempt.objects.count()
    again = client.post("/public/quiz/", {"paper": paper.token, "q0": "1"}, REMOTE_ADDR="10.9.9.6")
    assert again.status_code == 400 and quiz.PAPER_USED in again.content.decode()
    assert QuizAttempt.objects.count() == attempts


def test_draw_rate_limit_per_address_trips() -> None:
    limit = quiz.load_settings().max_draws_per_ip_per_day
    for i in range(limit):
        quiz.draw_prize(passing_draw_token(), f"1370000{i:04d}", "10.5.0.1")
    with pytest.raises(quiz.QuizError, match="抽奖太频繁"):
        quiz.draw_prize(passing_draw_token(), "13799999999", "10.5.0.1")


def test_draw_odds_follow_the_settings(monkeypatch: Any) -> None:
    calls: list[int] = []

    def fake_randbelow(n: int) -> int:
        calls.append(n)
        return 0  # the lowest ticket always wins when numerator >= 1

    monkeypatch.setattr(quiz.secrets, "randbelow", fake_randbelow)
    result = quiz.draw_prize(passing_draw_token(), "13600000000", "10.6.0.1")
    assert result.won and result.prize in quiz.load_settings().prizes
    assert calls == [quiz.load_settings().win_denominator]
    monkeypatch.setattr(quiz.secrets, "randbelow", lambda n: n - 1)
    assert not quiz.draw_prize(passing_draw_token(), "13600000001", "10.6.0.2").won


def test_awareness_score_per_grid_from_attempts() -> None:
    grid = Grid.objects.order_by("code").last()
    assert grid is not None
    for right in (6, 8, 10, 9, 7):
        paper = quiz.make_paper(grid)
        quiz.score_paper(paper.token, answer_all(paper, right), f"10.7.0.{right}")
    score = quiz.awareness_by_grid([grid.pk])[grid.pk]
    assert score.attempts == 5
    assert score.score == 80.0
    assert score.ci_low is not None and score.ci_high is not None
    assert score.ci_low < 80.0 < score.ci_high
    few = quiz.awareness_from_attempts(1, [(5, 10, [])], min_attempts=5)
    assert few.score is None and few.attempts == 1
