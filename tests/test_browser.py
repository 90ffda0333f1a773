"""The example page in a real browser: Debian's headless Chromium driven by Playwright.

The web flow's promise: a single-page app keeps the access token in memory only, and the refresh token
lives in an HttpOnly, SameSite=Strict cookie that no script can read and no other site can send.
The page is served by gunicorn with production settings (Secure cookies), at http://localhost, which
browsers count as a secure context.
"""

import dataclasses
import http.server
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ninja
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    LocatorAssertions,
    Page,
    Request,
    expect,
    sync_playwright,
)

from tests.servers import REPO, USER, Server, demo_setup, example_env, free_port, gunicorn

ARTIFACTS = REPO / "tests" / "artifacts"
REFRESH_PATH = "/api/auth/web/token-refresh"
# Another site: a loopback address other than the app's (a different port alone would be the same site).
OTHER_SITE_HOST = "127.0.0.2"
ACCESS_SECONDS = 5  # the short-lived site's access tokens
# Playwright's assertions give up after 5 s by default: on a loaded machine a sign-in (a real password
# hash) and Chromium's own work can take longer. A passing assertion returns as soon as it holds.
expect.set_options(timeout=30_000)


def start_site(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp(name)
    environment = example_env(workdir, **env)
    demo_setup(sys.executable, workdir, environment)
    with gunicorn(sys.executable, workdir, environment, workers=2, name=name, access_log=True) as server:
        yield dataclasses.replace(server, url=server.url.replace("127.0.0.1", "localhost"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_site(tmp_path_factory, "site")


@pytest.fixture(scope="module")
def short_lived_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same project with access tokens of ACCESS_SECONDS and no leeway."""
    yield from start_site(tmp_path_factory, "short", EXAMPLE_ACCESS_SECONDS=str(ACCESS_SECONDS))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


class Traffic:
    """The API requests a page makes, as the browser sent them."""

    def __init__(self, page: Page) -> None:
        self.requests: list[Request] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if "/api/" in request.url:
            self.requests.append(request)

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.url.split("?")[0].endswith(path)]


def sign_in(page: Page, url: str) -> str:
    """Signs in through the page's form; returns the access token the server sent."""
    page.goto(url + "/")
    page.fill("#username", USER["username"])
    page.fill("#password", USER["password"])
    with page.expect_response(lambda r: r.url.endswith("/api/auth/web/sign-in")) as signed_in:
        page.click("#sign-in")
    assert signed_in.value.status == 200
    expect(page.locator("#state")).to_have_text("Signed in as demo.")
    access: str = signed_in.value.json()["access"]
    return access


def call_api(page: Page) -> LocatorAssertions:
    """Clicks #call-api and waits for its first answer; returns assertions on #result."""
    with page.expect_response(lambda r: r.url.endswith("/api/me") or r.url.endswith(REFRESH_PATH)):
        page.click("#call-api")
    return expect(page.locator("#result"))


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_access_token_stays_in_memory(site: Server, context: BrowserContext) -> None:
    page = context.new_page()
    access = sign_in(page, site.url)
    call_api(page).to_contain_text("Hello, demo!")
    screenshot(page, "signed-in")

    cookies = {c["name"]: c for c in context.cookies()}
    refresh = cookies["refresh"]
    assert refresh["httpOnly"] and refresh["secure"] and refresh["sameSite"] == "Strict"
    assert refresh["path"] == REFRESH_PATH
    assert page.evaluate("document.cookie") == ""  # the refresh token is not readable by script

    stored = page.evaluate(
        """() => [localStorage.length, sessionStorage.length,
                  JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})]"""
    )
    assert stored[:2] == [0, 0] and access not in stored[2]
    assert all(access not in c["value"] for c in context.cookies())


def test_a_reload_refreshes_silently_and_sign_out_ends_it(site: Server, context: BrowserContext) -> None:
    page = context.new_page()
    traffic = Traffic(page)
    sign_in(page, site.url)
    page.reload()
    expect(page.locator("#state")).to_have_text("Not signed in.")  # the token went with the page

    call_api(page).to_contain_text("Hello, demo!")
    refreshes = traffic.to(REFRESH_PATH)
    assert len(refreshes) == 1 and "refresh=" in refreshes[0].header_value("cookie")  # type: ignore[operator]
    assert refreshes[0].response().status == 200  # type: ignore[union-attr]

    with page.expect_response(lambda r: r.url.endswith("/api/auth/web/sign-out")) as signed_out:
        page.click("#sign-out")
    assert signed_out.value.status == 204
    expect(page.locator("#result")).to_have_text("Signed out.")
    assert "refresh" not in {c["name"] for c in context.cookies()}
    screenshot(page, "signed-out")

    call_api(page).to_have_text("Please sign in.")
    assert traffic.to(REFRESH_PATH)[-1].response().status == 401  # type: ignore[union-attr]
    status = page.evaluate(f"fetch('{REFRESH_PATH}', {{method: 'POST'}}).then(r => r.status)")
    assert status == 401


def refresh_statuses(server: Server, after: int = 0, count: int = 0) -> list[str]:
    """Statuses of the refresh requests the server answered, from its access log, skipping the first
    `after`; waits up to 30 s for at least `count` of them (the log may trail the response)."""
    deadline = time.monotonic() + 30
    while True:
        lines = server.log.read_text().splitlines()
        statuses = [line.split()[-1] for line in lines if line.startswith(f"POST {REFRESH_PATH} ")][after:]
        if len(statuses) >= count or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)


class OtherSite(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_site(site: Server) -> Iterator[str]:
    """A page on another site that tries the refresh endpoint: by fetch with credentials, then by a form."""
    target = site.url + REFRESH_PATH
    OtherSite.page = f"""<!doctype html><title>elsewhere</title>
        <form id="form" method="post" action="{target}"><button id="post">post</button></form>
        <script>
          window.attempt = fetch("{target}", {{method: "POST", credentials: "include"}})
            .then(r => r.text()).then(text => "read: " + text, error => "blocked: " + error.name);
        </script>""".encode()
    server = http.server.ThreadingHTTPServer((OTHER_SITE_HOST, free_port(OTHER_SITE_HOST)), OtherSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{OTHER_SITE_HOST}:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_another_site_cannot_use_the_refresh_cookie(site: Server, other_site: Server, context: BrowserContext) -> None:
    sign_in(context.new_page(), site.url)
    assert "refresh" in {c["name"] for c in context.cookies()}

    page = context.new_page()
    traffic = Traffic(page)
    before = len(refresh_statuses(site))
    page.goto(other_site)
    expect(page.locator("#post")).to_be_visible()
    page.wait_for_function("window.attempt !== undefined")
    assert page.evaluate("window.attempt").startswith("blocked: ")  # no CORS: the script reads nothing
    with page.expect_response(lambda r: r.url.endswith(REFRESH_PATH)) as by_form:
        page.click("#post")
    assert by_form.value.status == 403
    # The server got both attempts, neither with the cookie (SameSite=Strict), and refused both as
    # cross-site (Sec-Fetch-Site and Origin), which would hold even if the cookie had been sent.
    assert refresh_statuses(site, after=before, count=2) == ["403", "403"]
    assert all(r.header_value("cookie") is None for r in traffic.to(REFRESH_PATH))

    # The same request from the app's own page does carry the cookie.
    own = context.new_page()
    own.goto(site.url + "/")
    assert own.evaluate(f"fetch('{REFRESH_PATH}', {{method: 'POST'}}).then(r => r.status)") == 200


def test_an_expired_access_token_is_renewed_by_the_page(short_lived_site: Server, context: BrowserContext) -> None:
    page = context.new_page()
    traffic = Traffic(page)
    first = sign_in(page, short_lived_site.url)
    call_api(page).to_contain_text("Hello, demo!")
    assert traffic.to(REFRESH_PATH) == []

    time.sleep(ACCESS_SECONDS + 1)  # the access token expires
    with page.expect_response(lambda r: r.url.endswith("/api/me")) as me:
        page.click("#call-api")
    expect(page.locator("#result")).to_contain_text("Hello, demo!")
    assert me.value.status == 200
    assert [r.response().status for r in traffic.to(REFRESH_PATH)] == [200]  # type: ignore[union-attr]
    used = me.value.request.header_value("authorization")
    assert used is not None and used != f"Bearer {first}"
    # The server itself refuses the first token now: the page did not get lucky with leeway.
    status = page.evaluate(f"fetch('/api/me', {{headers: {{Authorization: 'Bearer {first}'}}}}).then(r => r.status)")
    assert status == 401


def test_the_page_is_served_with_a_strict_content_security_policy(site: Server, context: BrowserContext) -> None:
    page = context.new_page()
    response = page.goto(site.url + "/")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_an_unreachable_server_is_reported(site: Server, context: BrowserContext) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, site.url)
    context.route("**/api/**", lambda route: route.abort("connectionrefused"))
    page.click("#call-api")
    expect(page.locator("#result")).to_have_text("The server could not be reached. Try again.")
    assert errors == []


def click(page: Page, button: str) -> None:
    """Clicks without waiting for anything: the page's handler runs on while the test goes on."""
    page.evaluate(f"document.getElementById('{button}').click()")


def test_two_tabs_refreshing_at_the_same_moment_both_stay_signed_in(site: Server, context: BrowserContext) -> None:
    first = context.new_page()
    sign_in(first, site.url)
    signed_in_cookie = {c["name"]: c["value"] for c in context.cookies()}["refresh"]
    second = context.new_page()
    second.goto(site.url + "/")
    first.reload()  # neither tab has an access token now
    before = len(refresh_statuses(site))
    click(first, "call-api")
    click(second, "call-api")
    for page in (first, second):
        expect(page.locator("#result")).to_contain_text("Hello, demo!")
    # One refresh rotated the cookie; the other, with the same cookie, came within the grace.
    assert refresh_statuses(site, after=before, count=2) == ["200", "200"]
    rotated = {c["name"]: c["value"] for c in context.cookies()}["refresh"]
    assert rotated != signed_in_cookie
    # The tabs go on with the rotated cookie.
    second.reload()
    call_api(second).to_contain_text("Hello, demo!")
    assert refresh_statuses(site, after=before, count=3) == ["200", "200", "200"]


def test_signing_out_in_one_tab_ends_the_others_session_at_its_next_refresh(
    short_lived_site: Server, context: BrowserContext
) -> None:
    first = context.new_page()
    sign_in(first, short_lived_site.url)
    second = context.new_page()
    second.goto(short_lived_site.url + "/")
    call_api(second).to_contain_text("Hello, demo!")
    with first.expect_response(lambda r: r.url.endswith("/api/auth/web/sign-out")) as signed_out:
        first.click("#sign-out")
    assert signed_out.value.status == 204
    time.sleep(ACCESS_SECONDS + 1)  # the second tab's access token expires: its next call refreshes
    call_api(second).to_have_text("Please sign in.")
    expect(second.locator("#state")).to_have_text("Not signed in.")


def test_sign_out_everywhere_ends_the_sessions_of_other_browsers(site: Server, browser: Browser) -> None:
    phone, laptop = browser.new_context(), browser.new_context()
    try:
        on_phone, on_laptop = phone.new_page(), laptop.new_page()
        sign_in(on_phone, site.url)
        sign_in(on_laptop, site.url)
        on_phone.reload()
        with on_phone.expect_response(lambda r: r.url.endswith("/api/auth/sessions/revoke-all")) as revoked:
            on_phone.click("#sign-out-everywhere")
        assert revoked.value.status == 204
        expect(on_phone.locator("#result")).to_have_text("Signed out everywhere.")
        assert "refresh" not in {c["name"] for c in phone.cookies()}
        screenshot(on_phone, "signed-out-everywhere")
        # The laptop still has its cookie, but its session has ended.
        assert "refresh" in {c["name"] for c in laptop.cookies()}
        on_laptop.reload()
        call_api(on_laptop).to_have_text("Please sign in.")
    finally:
        phone.close()
        laptop.close()


def test_the_api_docs_page_shows_every_answer_of_the_auth_endpoints(site: Server, context: BrowserContext) -> None:
    # The static files collectstatic would hand a deployment's web server, served here by the browser.
    static = Path(ninja.__file__).parent / "static"
    context.route(
        "**/static/**",
        lambda route: route.fulfill(path=static / route.request.url.split("/static/", 1)[1].split("?")[0]),
    )
    page = context.new_page()
    response = page.goto(site.url + "/api/docs")
    assert response is not None and response.status == 200
    expect(page.locator(".information-container .title")).to_contain_text("ninja_simple_jwt example")
    operation = page.locator("#operations-default-ninja_simple_jwt_auth_views_api_web_token_refresh")
    operation.locator(".opblock-summary").click()
    expect(operation.locator(".parameters")).to_contain_text("refresh")
    expect(operation.locator(".parameters")).to_contain_text("(cookie)")
    codes = operation.locator(".responses-table tr.response .response-col_status")
    expect(codes).to_have_text(["200", "401", "403", "503"])
    expect(page.locator(".btn.authorize")).to_be_visible()
    screenshot(page, "api-docs")
