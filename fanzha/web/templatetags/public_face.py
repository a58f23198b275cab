"""The station's public face on /public/* pages: its name and the numbers a resident can call,
and nothing of the internal workbench."""

from __future__ import annotations

from typing import Any

from django import template

from fanzha.stations.models import Station

register = template.Library()

ANTI_FRAUD_HOTLINE = "96110"
POLICE_HOTLINE = "110"


@register.simple_tag
def station_face() -> dict[str, Any]:
    station = Station.objects.order_by("pk").first()
    return {
        "name": station.name if station else "派出所",
        "duty_phone": station.duty_phone if station else "",
        "anti_fraud": ANTI_FRAUD_HOTLINE,
        "police": POLICE_HOTLINE,
    }
