"""The event form; the categories and venue types offered come from the data files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from fanzha.domain.taxonomy import load_taxonomy
from fanzha.outreach import events
from fanzha.stations.models import Grid
from fanzha.web.forms import IsoDateInput
from fanzha.web.validators import station_date


class EventForm(forms.Form):
    day = forms.DateField(label="日期", widget=IsoDateInput(), validators=[station_date])
    grid = forms.ModelChoiceField(label="警格", queryset=Grid.objects.none())
    title = forms.CharField(label="活动名称", max_length=100)
    venue_type = forms.ChoiceField(label="场所类型")
    method = forms.CharField(label="宣传方式", max_length=40, required=False)
    audience = forms.IntegerField(label="受众人数", min_value=0, max_value=1_000_000, initial=0)
    categories = forms.MultipleChoiceField(
        label="涉及类别", required=False, widget=forms.CheckboxSelectMultiple
    )
    materials = forms.CharField(label="宣传材料", max_length=200, required=False)

    def __init__(self, *args: Any, grids: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Grid.objects.none()  # type: ignore[attr-defined]
        self.fields["venue_type"].choices = [(v, v) for v in events.venue_choices()]  # type: ignore[attr-defined]
        self.fields["categories"].choices = [(c, c) for c in load_taxonomy().category_names]  # type: ignore[attr-defined]
        self.fields["day"].initial = timezone.localdate()

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("活动日期不能晚于今天")
        return day
