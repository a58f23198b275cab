"""Error pages in Chinese with the navigation: 403, 404, 500 and a refused CSRF check.

403 and 404 are the templates ``403.html`` and ``404.html``, which Django's own handlers render with
the request (so the navigation and the user are there). A server error and a CSRF refusal are
rendered here with the request too; Django's defaults render theirs without one. A 500 must answer
even when the error is in what every page needs (the database behind the session, a template), so
if the full page cannot be rendered a plain Chinese page is sent instead.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseServerError
from django.template import loader

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
