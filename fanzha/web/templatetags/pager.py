"""The pager's links: the page's own query string with another page number.

Built from the query dictionary in Python: a template looping over ``request.GET.items`` would read a
parameter named ``items`` instead (template lookups try the dictionary key first) and fail on it."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def page_query(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
