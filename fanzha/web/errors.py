"""Error pages in Chinese with the navigation: 400, 403, 404, 500 and a refused CSRF check.

A ``UserFacingError`` a page lets escape (a date out of range in the query string, say) is bad input,
not a fault: ``UserFacingErrorMiddleware`` answers it with the 400 page and its Chinese message.

403 and 404 are the templates ``403.html`` and ``404.html``, which Django's own handlers render with
the request (so the navigation and the user are there). A server error and a CSRF refusal are
rendered here with the request too; Django's defaults render theirs without one. A 500 must answer
even when the error is in what every page needs (the database behind the session, a template), so
if the full page cannot be rendered a plain Chinese page is sent instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseServerError,
)
from django.template import loader

from fanzha.errors import UserFacingError

logger = logging.getLogger(__name__)

PLAIN_500 = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>系统出错 · 反诈工作台</title>'
    "</head><body><h1>系统出错（500）</h1><p>处理您的请求时出错，已记入服务器日志。请稍后重试；"
    '如反复出现，请联系系统管理员。</p><p><a href="/">返回工作台</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", request=request))
    except Exception:  # the page itself cannot be rendered: answer anyway
        logger.exception("500.html could not be rendered")
        return HttpResponseServerError(PLAIN_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.warning("CSRF check refused %s: %s", request.path, reason)
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", request=request))


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message}, request=request))


class UserFacingErrorMiddleware:
    """Turns a ``UserFacingError`` escaping a page into the 400 page with its Chinese message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UserFacingError):
            return bad_request(request, exception.zh)
        return None
