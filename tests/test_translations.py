"""The translation catalogues: complete, current and compiled; and refusals in the client's language."""

import gettext
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError

import ninja_simple_jwt
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.checks import check_settings
from tests.conftest import PASSWORD

# The package as installed: the source tree in development, the wheel's files in `make test-matrix`.
PACKAGE = Path(ninja_simple_jwt.__file__).parent
LOCALE = PACKAGE / "locale"
SHIPPED = sorted(path.name for path in LOCALE.iterdir() if path.is_dir())
PROMISED = {"de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt_BR", "ru", "tr", "zh_Hans"}
# %(name)s and its kin (any conversion), and str.format's {name}.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|\{(\w*)\}")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # LocaleMiddleware activates the request's language in the thread and leaves it there.
    yield
    translation.deactivate()


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


@pytest.fixture(scope="module")
def marked_in_code(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """(msgid, msgid_plural) of every string the package's code marks, as `make messages` extracts them."""
    copy = tmp_path_factory.mktemp("marked") / "ninja_simple_jwt"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.so"))
    (copy / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(copy)  # makemessages reads and writes below the working directory
    try:
        call_command("makemessages", locale=["en"], add_location="never", verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    marked = {(entry.msgid, entry.msgid_plural) for entry in extracted}
    assert len(marked) > 50, marked  # the extraction found the package's strings
    return marked


def test_the_promised_locales_are_shipped_compiled() -> None:
    assert set(SHIPPED) >= PROMISED
    for locale in SHIPPED:
        assert (LOCALE / locale / "LC_MESSAGES" / "django.mo").is_file(), locale


@pytest.mark.parametrize("locale", SHIPPED)
def test_each_catalogue_holds_exactly_the_strings_marked_in_the_code(
    locale: str, marked_in_code: set[tuple[str, str]]
) -> None:
    shipped = {(entry.msgid, entry.msgid_plural) for entry in catalogue(locale) if not entry.obsolete}
    missing = sorted(marked_in_code - shipped)
    stale = sorted(shipped - marked_in_code)
    assert not missing, f"marked in the code but not in {locale}'s catalogue (run `make messages`): {missing}"
    assert not stale, f"in {locale}'s catalogue but no longer in the code (run `make messages`): {stale}"


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_message_is_translated_with_its_placeholders(locale: str) -> None:
    po = catalogue(locale)
    assert po.metadata.get("Language") == locale
    assert not po.metadata_is_fuzzy, f"{locale}: the header is still marked fuzzy"
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy (check the translation, then remove the flag): {entry.msgid!r}")
        if entry.msgid_plural:
            plural_forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))  # type: ignore[union-attr]
            translations = [entry.msgstr_plural.get(i, "") for i in range(plural_forms)]
            # Each form may serve any count: it carries the plural's placeholders.
            expected = placeholders(entry.msgid_plural)
        else:
            translations = [entry.msgstr]
            expected = placeholders(entry.msgid)
        for text in translations:
            if not text.strip():
                problems.append(f"untranslated: {entry.msgid!r}")
            elif placeholders(text) != expected:
                problems.append(f"placeholders {placeholders(text)} instead of {expected}: {entry.msgid!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", SHIPPED)
def test_gnu_msgfmt_accepts_each_catalogue(locale: str, tmp_path: Path) -> None:
    # --check: the header, and each python-format string against its msgid, as GNU gettext reads them.
    po = LOCALE / locale / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("locale", SHIPPED)
def test_each_compiled_catalogue_is_current(locale: str) -> None:
    directory = LOCALE / locale / "LC_MESSAGES"
    with open(directory / "django.mo", "rb") as f:
        compiled: dict[Any, str] = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    expected: dict[Any, str] = {}
    for entry in catalogue(locale).translated_entries():
        if entry.msgid_plural:
            expected.update({(entry.msgid, int(i)): text for i, text in entry.msgstr_plural.items()})
        else:
            expected[entry.msgid] = entry.msgstr
    compiled.pop("", None)  # the header
    assert compiled == expected, f"{locale}: django.mo is older than django.po: run `make messages`"


# Refusals in the client's language.

LOCALE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def translated(language: str, message: str) -> str:
    with translation.override(language):
        text = translation.gettext(message)
    assert text != message, f"no {language} translation of {message!r}"
    return text


def refusals(client: Client, language: str) -> Iterator[tuple[int, str, Any]]:
    """(status, English message, body) of each refusal, asked for in `language`."""
    header = {"HTTP_ACCEPT_LANGUAGE": language}
    sign_in = "/api/auth/mobile/sign-in"
    wrong = client.post(sign_in, {"username": "alice", "password": "wrong"}, content_type="application/json", **header)
    yield wrong.status_code, "Unable to sign in with the given credentials.", wrong.json()["detail"]
    bad = client.post(
        "/api/auth/mobile/token-refresh", {"refresh": "not.a.token"}, content_type="application/json", **header
    )
    yield bad.status_code, "The refresh token is invalid or expired.", bad.json()["detail"]
    malformed = client.post(sign_in, "{not json", content_type="application/json", **header)
    yield malformed.status_code, "The body is not valid JSON.", malformed.json()["detail"][0]["msg"]
    form = client.post("/api/auth/web/sign-in", "username=alice", content_type="text/plain", **header)
    yield form.status_code, "The body must be JSON (Content-Type: application/json).", form.json()["detail"]
    throttled = client.post(
        sign_in, {"username": "alice", "password": PASSWORD}, content_type="application/json", **header
    )
    yield throttled.status_code, "Too many failed sign-ins. Try again later.", throttled.json()["detail"]


EXPECTED_STATUSES = [401, 401, 422, 415, 429]


@pytest.mark.parametrize("language", ["de", "ja"])
def test_refusals_speak_the_language_the_client_accepts(
    language: str, client: Client, settings: Any, user: Any, keys: Any
) -> None:
    settings.MIDDLEWARE = LOCALE_MIDDLEWARE
    settings.NINJA_SIMPLE_JWT = {"SIGN_IN_MAX_FAILURES_PER_USERNAME": 1}
    answers = list(refusals(client, language))
    assert [status for status, _, _ in answers] == EXPECTED_STATUSES
    for _, english, body in answers:
        assert body == translated(language, english)


def test_without_the_locale_middleware_refusals_stay_english(
    client: Client, settings: Any, user: Any, keys: Any
) -> None:
    settings.NINJA_SIMPLE_JWT = {"SIGN_IN_MAX_FAILURES_PER_USERNAME": 1}
    answers = list(refusals(client, "de"))
    assert [status for status, _, _ in answers] == EXPECTED_STATUSES
    for _, english, body in answers:
        assert body == english


def test_system_checks_speak_the_active_language(settings: Any, keys: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"WEB_REFRESH_COOKIE_HTTP_ONLY": False}
    english = "a script injected into the page can read the refresh token"
    assert english in check_settings()[0].msg
    with translation.override("fr"):
        (message,) = check_settings()
    assert message.id == "ninja_simple_jwt.W002"
    assert english not in message.msg
    assert message.msg == translated(
        "fr",
        "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_HTTP_ONLY'] is False: a script injected into the page can read the "
        "refresh token.",
    )


def test_settings_problems_speak_the_active_language(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_LEEWAY": -1, "JWT_LEEWAY_SECONDS": 1}
    with translation.override("de"):
        messages = check_settings()
    assert [m.id for m in messages] == ["ninja_simple_jwt.E002", "ninja_simple_jwt.E003"]
    did_you_mean = translated("de", "is not a setting of ninja_simple_jwt. Did you mean %(name)s?")
    assert messages[0].msg == "NINJA_SIMPLE_JWT['JWT_LEEWAY_SECONDS'] " + did_you_mean % {"name": "'JWT_LEEWAY'"}
    assert messages[1].msg == "NINJA_SIMPLE_JWT['JWT_LEEWAY'] " + translated("de", "must not be negative.")


# A project that translates django-ninja's own 401 as the README's Languages section shows (this module is
# the URL conf of the test below).
api = NinjaAPI(urls_namespace="translated")


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": translation.gettext(exc.message)}, status=exc.status_code)


hello = Router(auth=HttpJwtAuth())


@hello.get("/hello")
def say_hello(request: HttpRequest) -> str:
    return "hello"


api.add_router("/", hello)
urlpatterns = [path("api/", api.urls)]


def test_a_bad_bearer_token_is_refused_in_the_language_of_the_readme_handler(
    client: Client, settings: Any, keys: Any
) -> None:
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = LOCALE_MIDDLEWARE
    answer = client.get("/api/hello", HTTP_AUTHORIZATION="Bearer not.a.token", HTTP_ACCEPT_LANGUAGE="ko")
    assert answer.status_code == 401
    assert answer.json() == {"detail": translated("ko", "Unauthorized")}
