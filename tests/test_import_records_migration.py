"""The migrations that gave the four imports one batch and one reject shape keep every row.

A database at the migrations before (ranking 0004, clues 0006, funds 0003) is filled with a
registration batch and its rejects (JSON raw), a clue batch with its summary and an import job with
its file, then migrated forward: every row is still there, renamed fields carry their values, the
JSON raw became the row's text and the clue batch's counts come from its summary.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("ranking", "0004_registration_day_totals"),
    ("clues", "0006_merge_handed_over_and_data_warnings"),
    ("funds", "0003_importjob_worker"),
]
AFTER = [
    ("ranking", "0005_import_records"),
    ("clues", "0007_import_records"),
    ("funds", "0004_import_records"),
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_import_record_migrations_keep_every_row_and_move_its_values() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    batch = old.get_model("ranking", "RegistrationImport").objects.create(
        file_name="export.csv", sha256="a" * 64, kind="persons", rows=4, added=2, unchanged=1, rejected=2
    )
    rejected = old.get_model("ranking", "RejectedRegistrationRow")
    rejected.objects.create(
        batch=batch, row_no=3, raw={"原始行": "某人,110101199001011234,,2026-10-20"}, reason="查无此人"
    )
    rejected.objects.create(
        batch=batch, row_no=5, raw={"id_number": "1101", "day": "2026-13-01"}, reason="注册日期无法识别"
    )
    old.get_model("clues", "ClueBatch").objects.create(
        channel="file", name="线索.csv", summary={"rows": 5, "created": 3, "duplicates": 1, "rejected": 1}
    )
    old.get_model("clues", "ClueBatch").objects.create(
        channel="api", name="接口", summary={"created": 2, "duplicates": 4}
    )
    job = old.get_model("funds", "ImportJob").objects.create(
        rows_read=7, inserted=5, duplicates=1, rejected=1
    )
    old.get_model("funds", "StatementFile").objects.create(
        job=job,
        name="m1.csv",
        path="/x/m1.csv",
        sha256="b" * 64,
        rows_read=7,
        inserted=5,
        duplicates=1,
        rejected=1,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    batch = new.get_model("ranking", "RegistrationImport").objects.get()
    assert (batch.rows, batch.created, batch.duplicates, batch.rejected) == (4, 2, 1, 2)
    rows = list(new.get_model("ranking", "RejectedRegistrationRow").objects.order_by("line"))
    assert [(r.line, r.raw, r.reason, r.resolved) for r in rows] == [
        (3, "某人,110101199001011234,,2026-10-20", "查无此人", False),
        (5, "1101\t2026-13-01", "注册日期无法识别", False),
    ]
    counts = sorted(
        (b.name, b.rows, b.created, b.duplicates, b.rejected)
        for b in new.get_model("clues", "ClueBatch").objects.all()
    )
    assert counts == [("接口", 6, 2, 4, 0), ("线索.csv", 5, 3, 1, 1)]
    job = new.get_model("funds", "ImportJob").objects.get()
    assert (job.rows, job.created, job.duplicates, job.rejected) == (7, 5, 1, 1)
    file = new.get_model("funds", "StatementFile").objects.get()
    assert (file.name, file.rows, file.created, file.duplicates, file.rejected) == ("m1.csv", 7, 5, 1, 1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # the database ends where the other tests expect it
