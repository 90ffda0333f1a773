"""The example's single-page app: plain HTML and JavaScript, served with a strict Content-Security-Policy."""

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The page at /: sign in, call the API, sign out. Its script runs only by the nonce given here."""
    nonce = secrets.token_urlsafe(16)
    response = render(request, "demo/index.html", {"nonce": nonce})
    response["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response
