"""What every import keeps in the database, declared once: the counts of a batch and the rows it
could not read (abstract models, as Django's ``AbstractBaseSession`` is for sessions).

Each workflow's batch (``CaseImportBatch``, ``ClueBatch``, ``RegistrationImport``, ``StatementFile``)
and reject table (``CaseImportReject``, ``ClueReject``, ``RejectedRegistrationRow``,
``StatementReject``) inherit them, so one reject page helper (:mod:`fanzha.web.rejects`) and one
report shape (:class:`fanzha.domain.tabular.ImportReport`) serve all four.
"""

from __future__ import annotations

from django.db import models


class ImportBatch(models.Model):
    """The counts of one imported file or batch: every data row read ends created, duplicate
    (already stored) or rejected."""

    rows = models.PositiveIntegerField("数据行", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    duplicates = models.PositiveIntegerField("已存在", default=0)
    rejected = models.PositiveIntegerField("无法导入", default=0)

    class Meta:
        abstract = True


class RejectedRow(models.Model):
    """A row an import could not read, kept verbatim with its line and the reason for a person,
    who marks it handled (with a note) once dealt with."""

    line = models.PositiveIntegerField("行号")
    raw = models.TextField("原始内容", blank=True)
    reason = models.CharField("原因", max_length=300)
    resolved = models.BooleanField("已处理", default=False)
    resolved_note = models.CharField("处理说明", max_length=200, blank=True)

    class Meta:
        abstract = True
