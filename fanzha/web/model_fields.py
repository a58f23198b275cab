"""Field declarations the models repeat, written once.

Most links between records are optional and outlive what they point at: a case keeps its grid,
an import keeps the person who ran it, after either is deleted the link is simply cleared. Django
cannot default that, so every model spelt out the same five options; these helpers say it once.
The fields they build are the same as before, so no migration changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def optional_link(to: Any, verbose_name: str, related_name: str | None = None) -> models.ForeignKey[Any, Any]:
    """A foreign key that may be empty and is cleared (not cascaded) when its target is deleted."""
    options: dict[str, Any] = {"related_name": related_name} if related_name is not None else {}
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=verbose_name, **options
    )


def person_link(verbose_name: str, related_name: str | None = None) -> models.ForeignKey[Any, Any]:
    """Who recorded, imported or changed a row: an optional link to the user (kept if they leave)."""
    return optional_link(settings.AUTH_USER_MODEL, verbose_name, related_name)


class SettingsOverrides(models.Model):
    """A workflow's overrides of its shipped JSON settings, edited in the admin: the newest row
    applies. Each subclass declares ``overrides`` with its own help text and its Meta's names."""

    overrides = models.JSONField("参数覆盖", default=dict)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = person_link("更新人")

    class Meta:
        abstract = True
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.updated_at:%Y-%m-%d %H:%M}"

    @classmethod
    def current(cls) -> dict[str, Any] | None:
        """The overrides in force (the newest row's), or None when the station set none."""
        row = cls.objects.order_by("-updated_at").first()  # type: ignore[attr-defined]
        return row.overrides if row else None
