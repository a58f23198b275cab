"""The registration batch and its rejects take the shared import fields (fanzha.web.import_records):
added/unchanged become created/duplicates, a reject's row_no becomes line, its JSON raw becomes the
row's text, and it gains resolved / resolved_note. Every existing row is kept."""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations, models


FIELD_ORDER = ("id_number", "phone", "name", "day", "grid", "count")


def raw_json_to_text(apps: Any, schema_editor: Any) -> None:
    """A reject's raw was {"原始行": text} for rows the reader refused, else the row's cells by
    field: keep the text as written, or the cells joined by tabs (the reader's raw for workbooks)."""
    rejected = apps.get_model("ranking", "RejectedRegistrationRow")
    for row in rejected.objects.all().only("pk", "raw"):
        raw = row.raw
        if isinstance(raw, dict) and set(raw) == {"原始行"}:
            text = str(raw["原始行"])
        elif isinstance(raw, dict):
            # PostgreSQL's jsonb keeps no key order: the export's fields in their usual order.
            keys = sorted(
                raw, key=lambda k: (FIELD_ORDER.index(k) if k in FIELD_ORDER else len(FIELD_ORDER), k)
            )
            text = "\t".join(str(raw[k]) for k in keys)
        else:
            text = "" if raw is None else json.dumps(raw, ensure_ascii=False)
        rejected.objects.filter(pk=row.pk).update(raw_text=text)


def raw_text_to_json(apps: Any, schema_editor: Any) -> None:
    rejected = apps.get_model("ranking", "RejectedRegistrationRow")
    for row in rejected.objects.all().only("pk", "raw_text"):
        rejected.objects.filter(pk=row.pk).update(raw={"原始行": row.raw_text})


class Migration(migrations.Migration):
    dependencies = [("ranking", "0004_registration_day_totals")]

    operations = [
        migrations.RenameField("registrationimport", "added", "created"),
        migrations.RenameField("registrationimport", "unchanged", "duplicates"),
        migrations.RemoveConstraint("rejectedregistrationrow", "rejected_row_unique"),
        migrations.RenameField("rejectedregistrationrow", "row_no", "line"),
        migrations.AddConstraint(
            "rejectedregistrationrow",
            models.UniqueConstraint(fields=("batch", "line"), name="rejected_row_unique"),
        ),
        migrations.AlterModelOptions(
            name="rejectedregistrationrow",
            options={
                "ordering": ["batch", "line"],
                "verbose_name": "未计入的注册行",
                "verbose_name_plural": "未计入的注册行",
            },
        ),
        migrations.AddField(
            "rejectedregistrationrow", "raw_text", models.TextField("原始内容", blank=True, default="")
        ),
        migrations.RunPython(raw_json_to_text, raw_text_to_json),
        migrations.RemoveField("rejectedregistrationrow", "raw"),
        migrations.RenameField("rejectedregistrationrow", "raw_text", "raw"),
        migrations.AlterField("rejectedregistrationrow", "raw", models.TextField("原始内容", blank=True)),
        migrations.AddField(
            "rejectedregistrationrow", "resolved", models.BooleanField("已处理", default=False)
        ),
        migrations.AddField(
            "rejectedregistrationrow",
            "resolved_note",
            models.CharField("处理说明", max_length=200, blank=True),
        ),
        migrations.AlterField(
            model_name="registrationimport",
            name="duplicates",
            field=models.PositiveIntegerField(default=0, verbose_name="已存在"),
        ),
        migrations.AlterField(
            model_name="registrationimport",
            name="rejected",
            field=models.PositiveIntegerField(default=0, verbose_name="无法导入"),
        ),
        migrations.AlterField(
            model_name="registrationimport",
            name="rows",
            field=models.PositiveIntegerField(default=0, verbose_name="数据行"),
        ),
        migrations.AlterField(
            model_name="rejectedregistrationrow",
            name="reason",
            field=models.CharField(max_length=300, verbose_name="原因"),
        ),
    ]
