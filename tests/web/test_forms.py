"""One form style: date inputs carry ISO values (browsers show nothing else), every form renders
through the workbench's field template, and the grid worker's door-visit form works as served."""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime

import pytest
from django import forms
from django.test import Client

from fanzha.ranking.services.figures import today
from fanzha.stations.models import Role, User

FORM_MODULES = (
    "fanzha.cases.forms",
    "fanzha.clues.forms",
    "fanzha.funds.forms",
    "fanzha.outreach.forms",
    "fanzha.ranking.views",
    "fanzha.check.forms",
)


def _all_form_classes() -> list[type[forms.Form]]:
    for name in FORM_MODULES:
        importlib.import_module(name)
    found: list[type[forms.Form]] = []
    stack: list[type[forms.BaseForm]] = [forms.Form]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("fanzha."):
                found.append(sub)  # type: ignore[arg-type]
    return found


def test_every_date_input_of_the_product_renders_an_iso_value() -> None:
    checked = 0
    for form_class in _all_form_classes():
        for name, field in form_class.base_fields.items():
            kind = getattr(field.widget, "input_type", "")
            if kind == "date":
                html = field.widget.render(name, date(2026, 12, 4))
                assert 'value="2026-12-04"' in html, f"{form_class.__name__}.{name}: {html}"
                checked += 1
            elif kind == "datetime-local":
                html = field.widget.render(name, datetime(2026, 12, 4, 9, 5))
                assert 'value="2026-12-04T09:05"' in html, f"{form_class.__name__}.{name}: {html}"
                checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_the_door_visit_form_opens_with_todays_date_in_iso(client: Client) -> None:
    worker = User.objects.filter(role=Role.GRID_WORKER).order_by("username").first()
    assert worker is not None
    client.force_login(worker)
    page = client.get("/ranking/door-visit/").content.decode()
    field = re.search(r'<input type="date"[^>]*name="day"[^>]*>', page)
    assert field is not None, page
    assert f'value="{today().isoformat()}"' in field.group(), field.group()
    # The shared field template: a label tied to its control, no "as_p" paragraphs.
    assert '<div class="field' in page and 'for="id_day"' in page and "<p><label" not in page
