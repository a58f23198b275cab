"""Import jobs and statement files take the shared import counts (fanzha.web.import_records):
rows_read / inserted become rows / created. Renamed in place: every existing row keeps its counts."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("funds", "0003_importjob_worker")]

    operations = [
        migrations.RenameField("importjob", "rows_read", "rows"),
        migrations.RenameField("importjob", "inserted", "created"),
        migrations.RenameField("statementfile", "rows_read", "rows"),
        migrations.RenameField("statementfile", "inserted", "created"),
        migrations.AlterField(
            model_name="importjob",
            name="created",
            field=models.PositiveIntegerField(default=0, verbose_name="新增"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="duplicates",
            field=models.PositiveIntegerField(default=0, verbose_name="已存在"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="rejected",
            field=models.PositiveIntegerField(default=0, verbose_name="无法导入"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="rows",
            field=models.PositiveIntegerField(default=0, verbose_name="数据行"),
        ),
        migrations.AlterField(
            model_name="statementfile",
            name="created",
            field=models.PositiveIntegerField(default=0, verbose_name="新增"),
        ),
        migrations.AlterField(
            model_name="statementfile",
            name="duplicates",
            field=models.PositiveIntegerField(default=0, verbose_name="已存在"),
        ),
        migrations.AlterField(
            model_name="statementfile",
            name="rejected",
            field=models.PositiveIntegerField(default=0, verbose_name="无法导入"),
        ),
        migrations.AlterField(
            model_name="statementfile",
            name="rows",
            field=models.PositiveIntegerField(default=0, verbose_name="数据行"),
        ),
        migrations.AlterField(
            model_name="statementreject",
            name="raw",
            field=models.TextField(blank=True, verbose_name="原始内容"),
        ),
    ]
