"""Clue batches take the shared import counts (fanzha.web.import_records), filled from the counts
each batch already kept in its summary, so no batch loses what it said."""

from typing import Any

from django.db import migrations, models


def _count(summary: dict[str, Any], key: str) -> int:
    value = summary.get(key, 0)
    return len(value) if isinstance(value, list) else int(value or 0)


def counts_from_summary(apps: Any, schema_editor: Any) -> None:
    batches = apps.get_model("clues", "ClueBatch")
    for batch in batches.objects.all().only("pk", "summary"):
        summary = batch.summary if isinstance(batch.summary, dict) else {}
        created, duplicates = _count(summary, "created"), _count(summary, "duplicates")
        rejected = _count(summary, "rejected")
        rows = _count(summary, "rows") or created + duplicates + rejected
        batches.objects.filter(pk=batch.pk).update(
            rows=rows, created=created, duplicates=duplicates, rejected=rejected
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clues", "0006_merge_handed_over_and_data_warnings"),
    ]

    operations = [
        migrations.AddField(
            model_name="cluebatch",
            name="created",
            field=models.PositiveIntegerField(default=0, verbose_name="新增"),
        ),
        migrations.AddField(
            model_name="cluebatch",
            name="duplicates",
            field=models.PositiveIntegerField(default=0, verbose_name="已存在"),
        ),
        migrations.AddField(
            model_name="cluebatch",
            name="rejected",
            field=models.PositiveIntegerField(default=0, verbose_name="无法导入"),
        ),
        migrations.AddField(
            model_name="cluebatch",
            name="rows",
            field=models.PositiveIntegerField(default=0, verbose_name="数据行"),
        ),
        migrations.AlterField(
            model_name="cluereject",
            name="reason",
            field=models.CharField(max_length=300, verbose_name="原因"),
        ),
        migrations.RunPython(counts_from_summary, migrations.RunPython.noop),
    ]
