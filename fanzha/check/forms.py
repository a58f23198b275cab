"""The two forms of the public check page: what to check, and the optional report."""

from __future__ import annotations

import re

from django import forms

from fanzha.check.service import MAX_CHARS, situations

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


class CheckForm(forms.Form):
    text = forms.CharField(
        label="可疑内容",
        max_length=MAX_CHARS,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "placeholder": "粘贴短信、聊天记录，或输入链接、电话号码、银行卡号、APP名称",
                "maxlength": MAX_CHARS,
            }
        ),
        error_messages={
            "required": "请先粘贴要查询的内容。",
            "max_length": f"内容过长：最多 {MAX_CHARS} 字，请只粘贴可疑的那几条消息。",
        },
    )


class ReportForm(CheckForm):
    situation = forms.ChoiceField(label="您遇到的情况", required=False)
    phone = forms.CharField(
        label="您的手机号（选填，方便民警联系您）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label="我同意把以上内容提交给派出所",
        error_messages={"required": "举报前请勾选同意提交。"},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choice_field = self.fields["situation"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "请选择（可不选）")] + [(s.value, s.label) for s in situations()]

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data.get("phone", ""))
        if phone and not _MOBILE.match(phone):
            raise forms.ValidationError("请填写11位手机号，或留空。")
        return phone
