"""The dashboard in a real browser: headless Chromium, driven by Playwright, against a live mock.

Playwright launches Debian's chromium (``/usr/bin/chromium``, which ``make test`` installs);
no browser is ever downloaded. When Chromium is missing or cannot start, these tests fail with
the cause and the fix; they are never skipped. Every wait is Playwright's auto-waiting
``expect`` with a bounded timeout. Screenshots land in ``tests/screenshots/`` (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers import AUTH
from helpers import drifting_tenant
from helpers import jpeg
from helpers import png
from helpers import tiff
from playwright.sync_api import BrowserContext
from playwright.sync_api import ConsoleMessage
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import Playwright
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from mockso.testing import MockServer

pytestmark = [pytest.mark.browser, pytest.mark.live]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).with_name("screenshots")
HOSTILE_PATH = "/api/v1/<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        expect.set_options(timeout=TIMEOUT_MS)
        yield running


def launch(playwright: Playwright, profile: Path, options: dict[str, object]) -> BrowserContext:
    """Chromium with a fresh profile, or a failure that says why and how to fix it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests drive Debian's chromium "
            "package. Install it with `apt-get install chromium` (`make test` does so when it "
            "is missing).",
            pytrace=False,
        )
    try:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **options
        )
    except PlaywrightError as error:
        cause = error.message.strip().splitlines()[0]
    else:
        context.set_default_timeout(TIMEOUT_MS)
        return context
    pytest.fail(  # outside the except block: the message, not a chain of tracebacks
        f"Chromium at {CHROMIUM} cannot start: {cause}. See whether "
        f"`{CHROMIUM} --headless --no-sandbox --dump-dom about:blank` runs; reinstall it with "
        "`apt-get install --reinstall chromium`.",
        pytrace=False,
    )


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer({"seed": 1}) as running:  # strict, as every app of the suite (conftest)
        yield running


@pytest.fixture
def desktop(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    context = launch(playwright, tmp_path_factory.mktemp("chromium-desktop"), DESKTOP)
    yield context
    context.close()


@pytest.fixture
def phone(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    context = launch(playwright, tmp_path_factory.mktemp("chromium-phone"), PHONE)
    yield context
    context.close()


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "face.png"
    path.write_bytes(png(160, 100))
    return path


class Watched:
    """A page, and the script errors and CSP refusals it logged."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(text)


def open_dashboard(context: BrowserContext, server: MockServer, query: str = "") -> Watched:
    page = context.new_page()
    watched = Watched(page)
    page.goto(server.url_for(f"/__mockso/ui{query}"))
    expect(page.get_by_role("heading", name="mockso", exact=True)).to_be_visible()
    return watched


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot to look at; a modal dialog is shot as the screen shows it (full_page=False)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def upload(page: Page, entity: str, entity_id: int, path: Path) -> None:
    page.get_by_label("Entity").select_option(entity)
    page.get_by_label("Id", exact=True).fill(str(entity_id))
    page.get_by_label("Picture (PNG, JPEG, GIF or TIFF)").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()


def card(page: Page, entity: str, entity_id: int) -> Locator:
    return page.locator(f'.card[data-entity="{entity}"][data-id="{entity_id}"]')


def expect_shown(page: Page, selector: str) -> None:
    """The image has loaded and decoded (a broken one has naturalWidth 0)."""
    loaded = (
        "s => { const i = document.querySelector(s); return i?.complete && i.naturalWidth > 0; }"
    )
    page.wait_for_function(loaded, arg=selector, timeout=TIMEOUT_MS)


def journal_row(page: Page, text: str) -> Locator:
    return page.locator("#journal-rows tr", has_text=text)


def client_call(
    server: MockServer, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> requests.Response:
    """What the user's own client does, from outside the browser."""
    headers = {**AUTH, **(headers or {})}
    return requests.request(method, server.url_for(path), headers=headers, timeout=10, **kwargs)


# --- the whole round, on a laptop screen ------------------------------------------------------


def test_upload_see_inspect_delete_and_reset_on_a_laptop_screen(
    desktop: BrowserContext, server: MockServer, picture: Path
) -> None:
    watched = open_dashboard(desktop, server)
    page = watched.page
    expect(page.locator("#gallery-empty")).to_be_visible()
    expect(page.locator("#journal-empty")).to_be_visible()
    expect(page.locator("#coverage-summary")).to_contain_text("0 of 146 documented answers seen")
    shoot(page, "desktop-1-empty")

    upload(page, "Person", 5, picture)

    expect(page.get_by_role("status")).to_contain_text("Saved the picture of Person 5")
    expect(card(page, "Person", 5)).to_be_visible()
    expect_shown(page, '.card[data-entity="Person"][data-id="5"] img')
    expect(card(page, "Person", 5)).to_contain_text("image/png")
    saved = journal_row(page, "/api/v1/Person/5/Image")
    expect(saved).to_contain_text("POST")
    expect(saved).to_contain_text("v1PersonEntity_SaveImage_POST")
    expect(saved.locator(".badge")).to_have_text("200")
    expect(page.locator("#coverage-summary")).to_contain_text("1 of 146")

    # The client under test, outside the browser: the page follows without a reload.
    client_call(
        server,
        "PUT",
        "/api/v1/Contact/7/Image",
        data=jpeg(60, 90),
        headers={"Content-Type": "image/jpeg"},
    )
    client_call(
        server,
        "PUT",
        "/api/v1/Project/9/Image",
        data=tiff(90, 60),
        headers={"Content-Type": "image/tiff"},
    )
    client_call(server, "GET", "/api/v1/Person/6/Image")
    client_call(server, "GET", HOSTILE_PATH)
    expect(card(page, "Contact", 7)).to_be_visible()
    expect_shown(page, '.card[data-entity="Project"][data-id="9"] img')  # TIFF, shown as PNG
    failed = journal_row(page, "/api/v1/Person/6/Image")
    expect(failed).to_contain_class("failed")
    expect(failed).to_contain_text("Person 6 has no picture")
    hostile = journal_row(page, "onerror")
    expect(hostile).to_contain_text(HOSTILE_PATH)
    expect(page.locator("#journal-rows img")).to_have_count(0)  # text, never markup
    shoot(page, "desktop-2-pictures-and-journal")

    page.get_by_role("button", name="Show Person 5: picture and ImageInfo").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("PERSONPHOTO")
    expect(dialog).to_contain_text("tje0")
    expect_shown(page, "#detail-image")
    assert page.eval_on_selector("#detail-image", "i => i.naturalWidth") == 160
    shoot(page, "desktop-3-detail", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Delete the picture of Person 5").click()

    expect(page.get_by_role("status")).to_contain_text("Deleted the picture of Person 5")
    expect(card(page, "Person", 5)).to_have_count(0)
    deleted = journal_row(page, "DELETE")
    expect(deleted.locator(".badge")).to_have_text("204")

    page.once("dialog", lambda confirm: confirm.accept())
    page.get_by_role("button", name="Reset all").click()

    expect(page.get_by_role("status")).to_contain_text("Reset every namespace")
    expect(page.locator("#gallery-empty")).to_be_visible()
    expect(page.locator("#journal-rows tr")).to_have_count(0)
    assert server.journal() == []
    shoot(page, "desktop-4-reset")
    assert watched.problems == []


def test_a_refused_upload_says_why_and_is_highlighted_in_the_journal(
    desktop: BrowserContext, server: MockServer, tmp_path: Path
) -> None:
    page = open_dashboard(desktop, server).page
    text = tmp_path / "notes.png"
    text.write_bytes(b"not a picture at all")

    upload(page, "Product", 3, text)

    expect(page.get_by_role("status")).to_contain_text("Upload refused: 400")
    row = journal_row(page, "/api/v1/Product/3/Image")
    expect(row).to_contain_class("failed")
    expect(row.locator(".message")).to_be_visible()
    page.get_by_label("Status").select_option("success")
    expect(page.locator("#journal-rows tr")).to_have_count(0)
    page.get_by_label("Status").select_option("errors")
    expect(page.locator("#journal-rows tr")).to_have_count(1)


def test_a_request_that_leaned_on_the_real_server_is_marked_and_filterable(
    desktop: BrowserContext, server: MockServer
) -> None:
    page = open_dashboard(desktop, server).page
    assert client_call(server, "GET", "/api/v1/Person/5/ImageInfo").status_code == 200
    leaned = client_call(
        server, "GET", "/api/v1/person/5/imageinfo", headers={"Accept": "aplication/json"}
    )
    assert leaned.status_code == 200

    expect(page.locator("#journal-rows tr")).to_have_count(2)
    row = page.locator("#journal-rows tr.leaned")
    expect(row).to_have_count(1)
    expect(row.locator(".path")).to_have_text("/api/v1/person/5/imageinfo")
    expect(row.locator(".deviations li")).to_have_count(2)
    expect(row.locator(".deviations")).to_contain_text("the real server answers JSON")
    expect(page.locator("#coverage-deviations")).to_contain_text(
        "v1PersonEntity_GetImageInfo: accept (1\u00d7)"
    )
    shoot(page, "journal-deviations")
    page.get_by_label("Leniency").select_option("yes")
    expect(page.locator("#journal-rows tr")).to_have_count(1)
    page.get_by_label("Leniency").select_option("no")
    expect(page.locator("#journal-rows tr")).to_have_count(1)
    expect(page.locator("#journal-rows tr.leaned")).to_have_count(0)


def test_a_chosen_namespace_is_where_uploads_go_and_what_the_page_shows(
    desktop: BrowserContext, server: MockServer, picture: Path
) -> None:
    page = open_dashboard(desktop, server).page
    namespace = page.get_by_label("Namespace", exact=True)
    namespace.fill("ci-1")
    namespace.press("Enter")
    expect(page.locator("#gallery-namespace")).to_have_text("ci-1")

    upload(page, "Person", 5, picture)

    expect(card(page, "Person", 5)).to_be_visible()
    assert [r.namespace for r in server.journal()] == ["ci-1"]
    assert client_call(server, "GET", "/api/v1/Person/5/Image").status_code == 404
    assert page.evaluate("location.search") == "?namespace=ci-1"
    namespace.fill("default")
    namespace.press("Enter")
    expect(page.locator("#gallery-empty")).to_be_visible()


# --- a phone ---------------------------------------------------------------------------------


def test_the_dashboard_works_on_a_phone(
    phone: BrowserContext, server: MockServer, picture: Path
) -> None:
    watched = open_dashboard(phone, server)
    page = watched.page
    shoot(page, "phone-1-empty")

    upload(page, "Person", 5, picture)
    client_call(server, "GET", "/api/v1/Person/6/ImageInfo", headers={"Authorization": ""})

    expect_shown(page, '.card[data-entity="Person"][data-id="5"] img')
    expect(journal_row(page, "/api/v1/Person/6/ImageInfo")).to_contain_class("failed")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    shoot(page, "phone-2-pictures-and-journal")

    page.get_by_role("button", name="Show Person 5: picture and ImageInfo").tap()
    expect(page.get_by_role("dialog")).to_contain_text("PERSONPHOTO")
    shoot(page, "phone-3-detail", full_page=False)
    page.get_by_role("button", name="Close the details").tap()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert watched.problems == []


def test_the_keyboard_reaches_every_action(
    desktop: BrowserContext, server: MockServer, picture: Path
) -> None:
    page = open_dashboard(desktop, server).page
    upload(page, "Person", 5, picture)
    expect(card(page, "Person", 5)).to_be_visible()

    page.get_by_role("button", name="Show Person 5: picture and ImageInfo").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Show Person 5: picture and ImageInfo")).to_be_focused()


def test_a_proxy_shows_where_the_target_drifts(desktop: BrowserContext) -> None:
    with drifting_tenant("/Cust1") as (_, target), MockServer({"target": target}) as proxy:
        client_call(proxy, "GET", "/api/v1/Person/4/ImageInfo")
        client_call(proxy, "GET", "/api/v1/Person/4/Image")
        watched = open_dashboard(desktop, proxy)
        page = watched.page

        expect(page.locator("#drift-summary")).to_contain_text("4 findings in 2 answers")
        expect(page.locator("#drift-rows tr")).to_have_count(4)
        expect(page.locator("#drift-rows tr", has_text="extra")).to_contain_text("Secret")
        expect(page.locator("#drift-rows tr", has_text="status")).to_contain_text("418")
        expect(page.get_by_role("heading", name="Drift from the contract")).to_be_visible()
        shoot(page, "desktop-drift")
    assert watched.problems == []


def test_the_drift_panel_stays_hidden_under_serve(
    desktop: BrowserContext, server: MockServer
) -> None:
    page = open_dashboard(desktop, server).page

    expect(page.locator("#journal-live-text")).to_contain_text("Live")
    expect(page.locator("#drift")).to_be_hidden()
