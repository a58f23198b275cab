"""The two forms of the public check page: what to check, and the optional report."""

from __future__ import annotations

import re

from django import forms

from fanzha.check.service import MAX_CHARS, image_max_bytes, situations
from fanzha.domain.values.phone import parse_mobile


class CheckForm(forms.Form):
    text = forms.CharField(
        label="可疑内容",
        max_length=MAX_CHARS,
        strip=True,
        required=False,
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
    # No ``capture`` attribute: it would force the camera, and residents mostly hold a screenshot.
    image = forms.FileField(
        label="或上传聊天、短信截图",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )
    from_image = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_image(self) -> object:
        upload = self.cleaned_data.get("image")
        if upload is not None and upload.size > image_max_bytes():
            limit = image_max_bytes() / 1024 / 1024
            raise forms.ValidationError(f"图片太大：最大 {limit:.0f} MB，请只截取可疑的那几条消息。")
        return upload

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("text") and not cleaned.get("image") and not self.errors:
            raise forms.ValidationError("请先粘贴要查询的内容，或上传一张截图。")
        return cleaned


class ReportForm(CheckForm):
    """The report: the text (typed, or read from a screenshot), never the image itself."""

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
        del self.fields["image"]
        text_field = self.fields["text"]
        text_field.required = True
        choice_field = self.fields["situation"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "请选择（可不选）")] + [(s.value, s.label) for s in situations()]

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data.get("phone", ""))
        if phone and parse_mobile(phone) is None:
            raise forms.ValidationError("请填写11位手机号，或留空。")
        return phone
