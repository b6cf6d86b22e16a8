"""Refuses, at the edge, input no page can store: a 400 with a clear sentence instead of a
database error deep in a view.

PostgreSQL text cannot hold NUL (U+0000), and psycopg cannot encode lone surrogates
(U+D800-U+DFFF): either reaching a query is a 500. We look at the decoded path, the query
string, form fields (names and values, multipart included: not file contents) and cookies.
"""

import re

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

REFUSED = (
    "Bad request: it contains a character Edirae cannot store (a NUL byte or an invalid "
    "Unicode character). Remove it and try again."
)


def _unstorable(values) -> bool:
    return any(_UNSTORABLE.search(value) for value in values if isinstance(value, str))


def _querydict_values(data) -> list[str]:
    return [*data.keys(), *(value for _, values in data.lists() for value in values)]


class RefuseUnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            bad = (
                _unstorable([request.path_info, request.path])
                or _unstorable(_querydict_values(request.GET))
                or _unstorable([*request.COOKIES.keys(), *request.COOKIES.values()])
                or (request.method == "POST" and _unstorable(_querydict_values(request.POST)))
            )
        except MultiPartParserError:
            return HttpResponseBadRequest(
                "Bad request: the form data could not be read.", content_type="text/plain"
            )
        if bad:
            return HttpResponseBadRequest(REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
