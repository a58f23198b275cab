"""The data migration that puts stored identifier values in their normal form keeps every link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("cases", "0003_intake_import_overrides")]
AFTER = [("cases", "0004_identifier_values_in_normal_form")]


@pytest.mark.django_db(transaction=True)
def test_two_spellings_of_one_phone_become_one_identifier_with_both_cases() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Case = apps.get_model("cases", "Case")
    Identifier = apps.get_model("cases", "Identifier")
    CaseIdentifier = apps.get_model("cases", "CaseIdentifier")
    first = Case.objects.create(case_no="M-1", reported_at="2026-03-01T10:00Z", narrative="一")
    second = Case.objects.create(case_no="M-2", reported_at="2026-03-02T10:00Z", narrative="二")
    digits = Identifier.objects.create(kind="phone", value="057188886666")
    dashed = Identifier.objects.create(kind="phone", value="0571-8888 6666")
    card = Identifier.objects.create(kind="bank_account", value="6222 0210 0112 3456 789")
    app = Identifier.objects.create(kind="app", value="天隆基金")
    CaseIdentifier.objects.create(case=first, identifier=digits)
    CaseIdentifier.objects.create(case=second, identifier=dashed)
    CaseIdentifier.objects.create(case=first, identifier=dashed)  # both spellings on one case
    CaseIdentifier.objects.create(case=second, identifier=card)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Identifier = apps.get_model("cases", "Identifier")
    CaseIdentifier = apps.get_model("cases", "CaseIdentifier")
    phones = Identifier.objects.filter(kind="phone", value__in=["057188886666", "0571-8888 6666"])
    assert list(phones.values_list("pk", "value")) == [(digits.pk, "057188886666")]
    assert not Identifier.objects.filter(pk=dashed.pk).exists()
    assert set(
        CaseIdentifier.objects.filter(identifier_id=digits.pk).values_list("case__case_no", flat=True)
    ) == {
        "M-1",
        "M-2",
    }
    assert Identifier.objects.get(pk=card.pk).value == "6222021001123456789"
    assert Identifier.objects.get(pk=app.pk).value == "天隆基金"
    assert CaseIdentifier.objects.filter(identifier_id=card.pk, case__case_no="M-2").exists()

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
