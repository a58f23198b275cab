"""Forms of the case pages: the narrative in, the officer's corrections, a category override, an upload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from fanzha.cases import drafting
from fanzha.stations.models import Grid, Resident
from fanzha.web.forms import IsoDateTimeInput

TIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


def category_choices() -> list[tuple[str, str]]:
    from fanzha.domain.taxonomy import load_taxonomy

    return [("", "请选择"), *((name, name) for name in load_taxonomy().category_names)]


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        label="简要案情（原文粘贴）",
        max_length=8000,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "例：2020年7月4日10时许，辖区居民张某芹通过微信群……"}
        ),
    )
    reported_at = forms.DateTimeField(
        label="报案时间",
        input_formats=TIME_INPUT_FORMATS,
        widget=IsoDateTimeInput(),
    )
    victim_lookup = forms.CharField(
        label="受害人身份证号或手机号（可选，用于关联居民）", required=False, max_length=20
    )

    def __init__(self, *args: Any, residents: QuerySet[Resident] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.residents = residents
        self.resident: Resident | None = None
        if not self.is_bound:
            self.initial.setdefault("reported_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_reported_at(self) -> datetime:
        value: datetime = self.cleaned_data["reported_at"]
        problems = drafting.case_date_problems(timezone.now(), reported_at=value)
        if problems:
            raise forms.ValidationError(problems["reported_at"])
        return value

    def clean_victim_lookup(self) -> str:
        value: str = self.cleaned_data.get("victim_lookup", "").strip().upper()
        if value and self.residents is not None:
            matches = list(self.residents.filter(Q(id_number=value) | Q(phone=value))[:2])
            if not matches:
                raise forms.ValidationError("在您可查看的居民中找不到该身份证号或手机号")
            if len(matches) > 1:
                raise forms.ValidationError("该手机号对应多名居民，请输入身份证号")
            self.resident = matches[0]
        return value


class CorrectionForm(forms.Form):
    """Every field of the draft, prefilled with the machine's value, for the officer to correct."""

    def __init__(
        self,
        *args: Any,
        grids: QuerySet[Grid],
        grid_required: bool,
        reported_at: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "f")
        super().__init__(*args, **kwargs)
        # The report time the occurrence is checked against: given by the view, else the unprefixed
        # report time the new-case page posts alongside these fields.
        self.reported_at = reported_at if reported_at is not None else self._posted_reported_at()
        for name, label, kind in drafting.FIELDS:
            if name == "category":
                self.fields[name] = forms.ChoiceField(label=label, choices=category_choices(), required=False)
            elif kind == "transfers":
                self.fields[name] = forms.CharField(
                    label=label, required=False, widget=forms.Textarea(attrs={"rows": 5})
                )
            else:
                placeholder = {"datetime": "YYYY-MM-DD HH:MM", "money": "元"}.get(
                    kind, "多个用顿号或空格分隔" if kind == "set" else ""
                )
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=2000,
                    widget=forms.TextInput(attrs={"placeholder": placeholder}),
                )
        self.fields["grid"] = forms.ModelChoiceField(
            label="所属警格", queryset=grids, required=grid_required, empty_label="（未定）"
        )
        self.fields["category_reason"] = forms.CharField(
            label="更改类别的理由（与机器判断不同时填写）", required=False, max_length=200
        )

    def _posted_reported_at(self) -> datetime | None:
        if not self.is_bound:
            return None
        text = str(self.data.get("reported_at") or "").strip()
        for pattern in TIME_INPUT_FORMATS:
            try:
                return datetime.strptime(text, pattern)
            except ValueError:
                continue
        return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        times: dict[str, datetime] = {}
        for name, _, kind in drafting.FIELDS:
            value = cleaned.get(name, "")
            try:
                canonical = drafting.canonical(name, value)
                if kind == "datetime" and canonical:
                    times[name] = datetime.strptime(canonical, "%Y-%m-%d %H:%M")
            except ValueError as exc:
                message = str(exc) if kind != "datetime" else "时间格式应为 YYYY-MM-DD HH:MM"
                self.add_error(name, message)
        problems = drafting.case_date_problems(
            timezone.now(),
            reported_at=self.reported_at,
            occurred_at=times.get("occurred_at"),
            occurred_until=times.get("occurred_until"),
        )
        for name, message in problems.items():
            if name in self.fields:
                self.add_error(name, message)
        return cleaned

    def officer_fields(self) -> dict[str, str]:
        return {name: str(self.cleaned_data.get(name) or "") for name, _, _ in drafting.FIELDS}


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="认定类别", choices=[])
    reason = forms.CharField(label="理由", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="报案表（xlsx / xls / csv）")
