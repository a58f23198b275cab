"""Limits that must hold when requests arrive at the same moment, tried with real threads against
PostgreSQL (the station's database; SQLite serialises every write transaction by itself, and its
in-memory test database cannot be shared by threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")


def burst(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at once; their results (or exceptions)."""
    from django.db import connections

    gate = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            gate.wait()
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_forty_simultaneous_quiz_submissions_respect_the_hourly_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fanzha.outreach import quiz
    from fanzha.outreach.models import QuizAttempt, QuizQuestion

    if not QuizQuestion.objects.exists():
        quiz.sync_bank()
    limits = quiz.load_settings()
    monkeypatch.setattr(
        quiz, "load_settings", lambda: type(limits)(**{**limits.__dict__, "max_attempts_per_ip_per_hour": 20})
    )
    papers = [quiz.make_paper().token for _ in range(40)]
    results = burst([lambda token=token: quiz.score_paper(token, {}, "10.7.7.7") for token in papers])
    accepted = [r for r in results if isinstance(r, quiz.QuizResult)]
    refused = [r for r in results if isinstance(r, quiz.QuizError)]
    assert len(accepted) == 20 and len(refused) == 20, [
        r for r in results if not isinstance(r, (quiz.QuizResult, quiz.QuizError))
    ]
    assert QuizAttempt.objects.count() == 20


def test_one_paper_sent_ten_times_at_once_is_scored_once() -> None:
    from fanzha.outreach import quiz
    from fanzha.outreach.models import QuizAttempt, QuizQuestion

    if not QuizQuestion.objects.exists():
        quiz.sync_bank()
    token = quiz.make_paper().token
    results = burst([lambda n=n: quiz.score_paper(token, {}, f"10.8.8.{n}") for n in range(10)])
    assert sum(isinstance(r, quiz.QuizResult) for r in results) == 1
    assert QuizAttempt.objects.count() == 1


def test_a_burst_of_sixteen_guesses_gets_at_most_five_password_checks() -> None:
    from django.test import Client

    from fanzha.stations.models import AuditLog, User

    User.objects.create_user("burst-target", password="Right-Password-2026", role="officer")
    guesses = ["wrong-password"] * 15 + ["Right-Password-2026"]

    def attempt(password: str) -> bool:
        client = Client()
        client.post("/login/", {"username": "burst-target", "password": password})
        return "_auth_user_id" in client.session

    results = burst([lambda password=password: attempt(password) for password in guesses])
    checked = AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, username="burst-target").exclude(
        detail__has_key="refused"
    ).count() + sum(r is True for r in results)
    assert checked <= 5
    assert AuditLog.objects.filter(action=AuditLog.Action.LOCKED, username="burst-target").count() <= 1
    user = User.objects.get(username="burst-target")
    assert user.locked_until is not None or any(r is True for r in results)
