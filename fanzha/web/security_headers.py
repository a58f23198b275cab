"""Content-Security-Policy on every response: scripts, styles, images, fonts and connections from the
application itself only, so an injected ``<script>``, an inline handler or a page from elsewhere
cannot run even if some text ever slipped through unescaped. Police intranets have no internet, so
nothing legitimate comes from anywhere else either.

Style *attributes* are allowed (``style-src-attr 'unsafe-inline'``): ECharts writes its tooltips as
HTML with inline styles and sizes its chart boxes with them. ``<style>`` elements and style sheets
still come from the application only; scripts have no exception at all (no inline script, no
``onclick``, no ``eval``). Images may be ``data:`` URLs (ECharts' "save as image", Swagger UI's icons).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
