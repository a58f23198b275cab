"""QR codes for the quiz, drawn as SVG on the server with segno (pure Python, no network)."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse


def quiz_url(request: HttpRequest, grid_code: str = "", event_id: int | None = None) -> str:
    query = {k: v for k, v in (("grid", grid_code), ("event", event_id)) if v}
    path = reverse("quiz:index") + (f"?{urlencode(query)}" if query else "")
    return request.build_absolute_uri(path)


def qr_svg(text: str, scale: int = 6) -> str:
    import segno

    out = io.BytesIO()
    # Error correction M survives a creased printed poster; the quiet zone (border 4) is what
    # phone scanners expect.
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title="反诈问答二维码"
    )
    return out.getvalue().decode("utf-8")
