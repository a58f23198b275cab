"""Forms of the clue pages: one dissuasion action, closing with an outcome (or handing the clue
over to the responsible station), a file upload. Laid out for a phone: the way of contact and
whether the person was reached are rows of large buttons, not small selects."""

from __future__ import annotations

from typing import Any

from django import forms

from fanzha.clues.models import Clue, DissuasionAction
from fanzha.domain.tabular import MAX_TABLE_BYTES, check_table_size
from fanzha.errors import UserFacingError
from fanzha.web.forms import DATETIME_INPUT_FORMATS, IsoDateTimeInput
from fanzha.web.validators import station_date

REACHED_CHOICES = [("yes", "已联系上"), ("no", "未联系上")]
# The order an officer on the street uses them: a call first, then a visit.
KIND_ORDER = ("call", "visit", "sms", "wechat_group")


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label="方式",
        choices=sorted(DissuasionAction.Kind.choices, key=lambda c: KIND_ORDER.index(c[0])),
        initial="call",
        widget=forms.RadioSelect,
    )
    reached = forms.ChoiceField(
        label="是否联系上", choices=REACHED_CHOICES, required=False, widget=forms.RadioSelect
    )
    at = forms.DateTimeField(
        validators=[station_date],
        label="时间（不填为现在）",
        required=False,
        widget=IsoDateTimeInput(),
        input_formats=DATETIME_INPUT_FORMATS,
    )
    note = forms.CharField(
        label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    sms = forms.CharField(
        label="短信内容（仅短信提醒）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def reached_value(self) -> bool | None:
        value = self.cleaned_data.get("reached")
        return {"yes": True, "no": False}.get(value or "")


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="处置结果",
        choices=[("", "请选择"), *Clue.Outcome.choices],
        error_messages={"required": "办结必须选择处置结果"},
    )
    handed_to = forms.CharField(
        label="接收单位（移交时必填）",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "如：某某县公安局某某派出所"}),
    )
    note = forms.CharField(label="说明", required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Clue.Outcome.HANDED_OVER and not (data.get("handed_to") or "").strip():
            self.add_error("handed_to", "移交须填写接收单位")
        return data


class HandOverForm(forms.Form):
    """For a person who does not live here: close the clue by passing it to the responsible
    station, recording which unit received it."""

    handed_to = forms.CharField(
        label="接收单位",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "如：某某县公安局某某派出所"}),
        help_text="对象不是本辖区居民时，将线索移交其户籍地或居住地的责任派出所",
    )
    note = forms.CharField(label="说明（如何确认非本辖区、通过何种方式移交）", required=False, max_length=200)


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
