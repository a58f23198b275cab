"""The campaign form: who (category, grids, sex, age bands, occupations, random comparison share)
and, when recording, what (the SMS and the WeChat post). Choices come from the data files and
the user's own grids, so an officer cannot even name a grid outside theirs."""

from __future__ import annotations

from typing import Any

from django import forms

from fanzha.domain import stats
from fanzha.domain.reminder_audience import SEXES, AudienceCriteria
from fanzha.domain.taxonomy import load_taxonomy
from fanzha.stations.models import Grid, Resident


class AudienceForm(forms.Form):
    category = forms.ChoiceField(label="提醒哪类诈骗")
    grids = forms.MultipleChoiceField(label="警格", widget=forms.CheckboxSelectMultiple)
    sex = forms.ChoiceField(
        label="性别",
        required=False,
        choices=[("", "不限"), *((s, s) for s in SEXES)],
        widget=forms.RadioSelect,
    )
    age_bands = forms.MultipleChoiceField(
        label="年龄段（不选为不限）", required=False, widget=forms.CheckboxSelectMultiple
    )
    occupations = forms.MultipleChoiceField(
        label="职业（不选为不限）", required=False, widget=forms.CheckboxSelectMultiple
    )
    holdout_percent = forms.IntegerField(
        label="随机对照（%）",
        required=False,
        min_value=0,
        max_value=50,
        help_text="随机留出这部分人本次不发送，用来衡量提醒是否有效；填 0 则全部发送。",
    )

    def __init__(self, *args: Any, grids: Any = None, holdout_percent: int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grid_rows = list(grids if grids is not None else Grid.objects.none())
        self.fields["category"].choices = [(c, c) for c in load_taxonomy().category_names]  # type: ignore[attr-defined]
        self.fields["grids"].choices = [(g.code, f"{g.code} {g.name}") for g in grid_rows]  # type: ignore[attr-defined]
        self.fields["age_bands"].choices = [(name, name) for name, _, _ in stats.age_bands().bands]  # type: ignore[attr-defined]
        occupations = (
            Resident.objects.filter(grid__in=grid_rows)
            .exclude(occupation="")
            .values_list("occupation", flat=True)
            .distinct()
            .order_by("occupation")
        )
        self.fields["occupations"].choices = [(o, o) for o in occupations]  # type: ignore[attr-defined]
        self.fields["holdout_percent"].initial = holdout_percent
        self.default_holdout_percent = holdout_percent

    def criteria(self) -> AudienceCriteria:
        data = self.cleaned_data
        return AudienceCriteria(
            category=data["category"],
            grid_codes=tuple(sorted(data["grids"])),
            age_bands=tuple(b for b, _, _ in stats.age_bands().bands if b in data["age_bands"]),
            sex=data["sex"] or "",
            occupations=tuple(sorted(data["occupations"])),
        )

    def holdout_share(self) -> float:
        value = self.cleaned_data.get("holdout_percent")
        return (self.default_holdout_percent if value is None else value) / 100


class RecordForm(AudienceForm):
    sms_text = forms.CharField(label="短信内容", widget=forms.Textarea(attrs={"rows": 3}))
    wechat_text = forms.CharField(
        label="微信群消息", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class HandOverForm(forms.Form):
    reason = forms.CharField(label="导出/发送事由", max_length=200, min_length=2)


class OptOutForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20)
    source = forms.CharField(label="途径", max_length=40, required=False, initial="居民来电")
