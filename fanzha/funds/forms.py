"""Forms of the money-trail pages: statement upload, trace parameters, column mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from fanzha.domain.values.money import fen_of_yuan
from fanzha.funds.layouts import FIELD_LABELS
from fanzha.funds.models import TraceRun
from fanzha.web.forms import IsoDateTimeInput
from fanzha.web.validators import station_date

TIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.txt,.xlsx,.xls"}))
        super().__init__(*args, **kwargs)

    default_error_messages = {"required": "请选择要上传的流水文件"}

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = list(data) if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        cleaned = []
        for upload in files:
            if upload is not None and getattr(upload, "size", None) == 0:
                # Django would say "提交的文件为空" without the name; a batch needs to know which file.
                raise forms.ValidationError(
                    f"{upload.name} 是空文件（0 字节），请检查后重新选择", code="empty"
                )
            cleaned.append(super().clean(upload, initial))
        return cleaned


class UploadForm(forms.Form):
    statements = MultipleFileField(label="流水文件（xlsx / xls / csv，可多选，任意常见编码）")


class TraceForm(forms.Form):
    """Trace from the case's transfers (no account given) or from an account entered by hand."""

    account = forms.CharField(label="起始账户（留空则从案件的转账记录追踪）", required=False, max_length=60)
    after = forms.DateTimeField(
        validators=[station_date],
        label="起算时间",
        required=False,
        input_formats=TIME_INPUT_FORMATS,
        widget=IsoDateTimeInput(),
    )
    amount_yuan = forms.DecimalField(
        label="金额上限（元）", required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    rule = forms.ChoiceField(label="资金归属规则", choices=TraceRun.Rule.choices, initial=TraceRun.Rule.LIBR)
    max_depth = forms.IntegerField(label="最大层级", min_value=1, max_value=12, initial=6)
    window_hours = forms.IntegerField(
        label="时间窗（小时，可空）", required=False, min_value=1, max_value=24 * 365
    )

    def __init__(self, *args: Any, require_account: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.require_account = require_account
        if require_account:
            self.fields["account"].label = "起始账户（受害人账户或一级卡）"
            self.fields["account"].required = True

    @property
    def amount_fen(self) -> int | None:
        value = self.cleaned_data.get("amount_yuan")
        return None if value is None else fen_of_yuan(value)


class MappingForm(forms.Form):
    """One select per field, offering the header's columns; plus the bank's name and header row."""

    bank = forms.CharField(label="银行/机构名称", max_length=60)
    header_line = forms.IntegerField(label="表头所在行", min_value=1, max_value=1000)

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "（无）")] + [(h, f"第{i + 1}列：{h}") for i, h in enumerate(header) if h.strip()]
        for name, label in FIELD_LABELS.items():
            self.fields[f"f_{name}"] = forms.ChoiceField(label=label, choices=choices, required=False)

    def field_rows(self) -> list[Any]:
        return [self[f"f_{name}"] for name in FIELD_LABELS]

    def columns(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"f_{name}"]
            for name in FIELD_LABELS
            if self.cleaned_data.get(f"f_{name}")
        }
