"""Cases (案件) taken from reports, with victims, transfers and the identifiers that link cases."""

from __future__ import annotations

from datetime import date

from django.db import models

from fanzha.domain.masking import mask_account, mask_card, mask_name, mask_phone
from fanzha.domain.values.registry import kind_label
from fanzha.stations.models import Grid, Resident
from fanzha.web.import_records import ImportBatch, RejectedRow
from fanzha.web.model_fields import optional_link, person_link


class Case(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "待确认"
        CONFIRMED = "confirmed", "已确认"

    case_no = models.CharField("案件编号", max_length=40, unique=True)
    reported_at = models.DateTimeField("报案时间", db_index=True)
    occurred_at = models.DateTimeField("发案时间（起）", null=True, blank=True)
    occurred_until = models.DateTimeField("发案时间（止）", null=True, blank=True)
    narrative = models.TextField("简要案情（原文）")
    draft = models.JSONField("机器提取稿", default=dict, blank=True)
    corrections = models.JSONField("民警更正", default=dict, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    category = models.CharField("案件类别", max_length=40, blank=True, db_index=True)
    category_confidence = models.FloatField("分类置信度", null=True, blank=True)
    lure = models.CharField("引流渠道", max_length=40, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    channel = models.CharField("接触方式", max_length=40, blank=True)
    grid = optional_link(Grid, "警格", "cases")
    loss_fen = models.BigIntegerField("损失（分，下限）", null=True, blank=True)
    loss_max_fen = models.BigIntegerField("损失（分，上限）", null=True, blank=True)
    solved = models.BooleanField("已破案", default=False)
    recovered_fen = models.BigIntegerField("挽回损失（分）", default=0)
    created_by = person_link("录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    # Natural key of a report when no case number is given: a hash of the reported minute and
    # the narrative, so importing the same report twice finds the case already there.
    fingerprint = models.CharField("报案指纹", max_length=64, blank=True, db_index=True)
    source = models.CharField("来源", max_length=12, blank=True, default="")
    import_batch = optional_link("CaseImportBatch", "导入批次", "cases")
    identifiers: models.ManyToManyField[Identifier, CaseIdentifier] = models.ManyToManyField(
        "Identifier", through="CaseIdentifier", related_name="cases"
    )

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["grid", "reported_at"]),
            models.Index(fields=["category", "reported_at"]),
        ]

    def __str__(self) -> str:
        return self.case_no


class Victim(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims", verbose_name="案件")
    resident = optional_link(Resident, "居民", "victimisations")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    age = models.PositiveSmallIntegerField("年龄", null=True, blank=True)
    sex = models.CharField("性别", max_length=2, blank=True)
    occupation = models.CharField("职业", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "受害人"

    def __str__(self) -> str:
        return mask_name(self.name)  # masked wherever a record is named (lists, admin, messages)

    @classmethod
    def of_resident(cls, case: Case, resident: Resident, on: date) -> Victim:
        """``resident`` as a victim of ``case`` (not saved), with their age on the day ``on``."""
        return cls(
            case=case,
            resident=resident,
            name=resident.name,
            id_number=resident.id_number,
            phone=resident.phone,
            age=resident.age_on(on),
            sex=resident.sex,
            occupation=resident.occupation,
        )


class Transfer(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers", verbose_name="案件")
    seq = models.PositiveSmallIntegerField("序号")
    at = models.DateTimeField("转账时间", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额（分）")
    means = models.CharField("方式", max_length=20, blank=True)
    to_account = models.CharField("收款账户", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "转账"
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="transfer_seq_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq}"


class Identifier(models.Model):
    """A fraud identifier; one row per distinct value so that it can join many cases."""

    class Kind(models.TextChoices):
        # The one vocabulary is fanzha/data/identifier_kinds.json; the members are named here for
        # the type checker and a test keeps them equal to it.
        BANK_ACCOUNT = "bank_account", kind_label("bank_account")
        PHONE = "phone", kind_label("phone")
        WECHAT = "wechat", kind_label("wechat")
        QQ = "qq", kind_label("qq")
        URL = "url", kind_label("url")
        APP = "app", kind_label("app")
        PLATFORM = "platform", kind_label("platform")

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    value = models.CharField("值", max_length=200)

    class Meta:
        verbose_name = verbose_name_plural = "涉案标识"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identifier_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked_value()}"

    def masked_value(self) -> str:
        """Accounts and phones masked as on the case pages; URLs, apps and platforms as they are."""
        if self.kind == self.Kind.BANK_ACCOUNT:
            return mask_card(self.value)
        if self.kind == self.Kind.PHONE:
            return mask_phone(self.value)
        if self.kind in (self.Kind.QQ, self.Kind.WECHAT):
            return mask_account(self.value)
        return self.value


class CaseIdentifier(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    identifier = models.ForeignKey(Identifier, on_delete=models.CASCADE)
    source = models.CharField("来源", max_length=20, default="narrative")

    class Meta:
        verbose_name = verbose_name_plural = "案件标识关联"
        constraints = [models.UniqueConstraint(fields=["case", "identifier"], name="case_identifier_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.identifier_id}"


class CategoryOverride(models.Model):
    """An officer's change of a case's category: what the machine (or the earlier category) said,
    what the officer chose, who and when. The case keeps the latest; this keeps the history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="category_overrides")
    previous = models.CharField("原类别", max_length=40, blank=True)
    machine = models.CharField("机器判断", max_length=40, blank=True)
    machine_confidence = models.FloatField("机器置信度", null=True, blank=True)
    category = models.CharField("民警认定", max_length=40)
    reason = models.CharField("理由", max_length=200, blank=True)
    by = person_link("认定人")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "类别认定记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.previous or self.machine} → {self.category}"


class CaseImportBatch(ImportBatch):
    """One uploaded report spreadsheet: kept from preview to import, with what came of it."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "待导入"
        IMPORTED = "imported", "已导入"

    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    content = models.BinaryField("文件内容", blank=True, default=b"")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PREVIEW)
    file_format = models.CharField("格式", max_length=8, blank=True)
    encoding = models.CharField("编码", max_length=20, blank=True)
    uploaded_by = person_link("上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "报案表导入批次"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class CaseImportReject(RejectedRow):
    """A spreadsheet row that could not become a case, kept with its line for a person."""

    batch = models.ForeignKey(CaseImportBatch, on_delete=models.CASCADE, related_name="rejects")
    raw_hash = models.CharField("内容摘要", max_length=64, db_index=True)
    resolved_case = optional_link(Case, "补录案件", "+")

    class Meta:
        verbose_name = verbose_name_plural = "无法导入的报案行"
        ordering = ["batch", "line"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class MonthlyCrimeTotal(models.Model):
    """All criminal cases of a month, entered by the station, for the telecom-fraud share."""

    month = models.DateField("月份（当月1日）", unique=True)
    criminal_cases = models.PositiveIntegerField("刑事案件总数")

    class Meta:
        verbose_name = verbose_name_plural = "月度刑事案件总数"
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.criminal_cases}"
