"""Forms of the clue pages: one dissuasion action, closing with an outcome, a file upload."""

from __future__ import annotations

from typing import Any

from django import forms

from fanzha.clues.models import Clue, DissuasionAction
from fanzha.domain.tabular import MAX_TABLE_BYTES, check_table_size
from fanzha.errors import UserFacingError
from fanzha.web.validators import station_date

REACHED_CHOICES = [("", "—"), ("yes", "已联系上"), ("no", "未联系上")]


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=DissuasionAction.Kind.choices)
    at = forms.DateTimeField(
        validators=[station_date],
        label="时间（不填为现在）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    reached = forms.ChoiceField(label="是否联系上", choices=REACHED_CHOICES, required=False)
    sms = forms.CharField(
        label="短信内容（仅短信）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(
        label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def reached_value(self) -> bool | None:
        value = self.cleaned_data.get("reached")
        return {"yes": True, "no": False}.get(value or "")


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="处置结果", choices=[("", "请选择"), *Clue.Outcome.choices])
    note = forms.CharField(label="说明", required=False, max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=f"线索文件（xlsx / xls / csv，不超过 {MAX_TABLE_BYTES // 1048576} MB）")
    source = forms.CharField(label="来源（文件无“来源”列时使用）", required=False, max_length=30)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_table_size(upload.size or 0, upload.name or "")
        except UserFacingError as exc:
            raise forms.ValidationError(exc.zh) from exc
        return upload
