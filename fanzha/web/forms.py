"""The product's one form style: ISO values in date inputs, and one way a form renders.

Browsers read only ISO values in ``<input type="date">`` (``2026-12-04``) and
``<input type="datetime-local">`` (``2026-12-04T09:30``); Django's localized default for zh-hans
(``2026/12/04``) leaves the field blank. Every date field of the product uses these widgets.
Every form renders through :class:`FormRenderer` (settings ``FORM_RENDERER``): a label above a
full-width control, help text and errors below it, styled once in ``web/static/fanzha/app.css``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates

ISO_DATE = "%Y-%m-%d"
ISO_MINUTE = "%Y-%m-%dT%H:%M"
#: What a datetime field accepts: the browser's datetime-local value first, then typed forms.
DATETIME_INPUT_FORMATS = [ISO_MINUTE, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", ISO_DATE]


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with an ISO value to the minute."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_MINUTE)


class FormRenderer(DjangoTemplates):
    """Forms render with the workbench's field template (label, control, help, errors)."""

    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"
