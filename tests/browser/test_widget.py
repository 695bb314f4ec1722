"""The help widget in real headless Chromium against the real stack."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.gateway_url + "/")
    yield page
    context.close()


def send(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_launcher_opens_the_panel_and_a_question_is_answered(page: Page) -> None:
    page.get_by_test_id("dto-launcher").click()
    expect(page.get_by_role("dialog", name="Support chat")).to_be_visible()
    send(page, "what are your phone support hours")
    answer = page.locator(".dto-msg.bot").filter(has_text="8 AM - 8 PM")
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer.locator(".dto-sources a")).to_have_attribute(
        "href", "https://support.trading-orchestrator.com/kb/phone-support-hours"
    )
    expect(page.get_by_test_id("dto-typing")).to_have_count(0)


def test_typing_indicator_shows_while_waiting(page: Page) -> None:
    page.route("**/api/chat", lambda route: (page.wait_for_timeout(800), route.continue_()))
    page.get_by_test_id("dto-launcher").click()
    send(page, "hello")
    expect(page.get_by_test_id("dto-typing")).to_be_visible()
    expect(page.get_by_test_id("dto-typing")).to_have_count(0, timeout=30_000)


def test_buttons_are_rendered_and_clickable(page: Page) -> None:
    page.get_by_test_id("dto-launcher").click()
    send(page, "my stop loss didn't trigger and I'm losing money")
    expect(page.locator(".dto-msg.bot").filter(has_text="1-800-363-7436")).to_be_visible(
        timeout=30_000
    )
    page.locator(".dto-buttons button", has_text="Talk to a person").click()
    expect(page.locator(".dto-msg.user").last).to_have_text("Talk to a person")
    expect(page.locator(".dto-msg.bot").filter(has_text="live chat")).to_be_visible(timeout=30_000)


def test_conversation_survives_a_reload(page: Page) -> None:
    page.get_by_test_id("dto-launcher").click()
    send(page, "how much is gold support")
    expect(page.locator(".dto-msg.bot").filter(has_text="$2,000")).to_be_visible(timeout=30_000)
    page.reload()
    expect(page.get_by_role("dialog", name="Support chat")).to_be_visible()
    expect(page.locator(".dto-msg.user").filter(has_text="how much is gold support")).to_be_visible(
        timeout=10_000
    )
    expect(page.locator(".dto-msg.bot").filter(has_text="$2,000")).to_be_visible()


def test_markup_in_messages_is_shown_as_text_never_run(page: Page) -> None:
    page.get_by_test_id("dto-launcher").click()
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    send(page, payload)
    expect(page.locator(".dto-msg.user").last).to_have_text(payload)
    expect(page.locator(".dto-msg.bot").nth(1)).to_be_visible(timeout=30_000)
    assert page.locator(".dto-log img, .dto-log script").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_bot_text_with_markup_is_escaped(page: Page) -> None:
    hostile = [
        {
            "recipient_id": "x",
            "text": "<b id='injected'>bold</b>",
            "buttons": [{"title": "<i id='btn'>x</i>", "payload": "/greet"}],
            "custom": {"sources": [{"title": "evil", "url": "javascript:alert(1)", "score": 1}]},
        }
    ]
    page.route("**/api/chat", lambda route: route.fulfill(json=hostile))
    page.get_by_test_id("dto-launcher").click()
    send(page, "hi")
    expect(
        page.locator(".dto-msg.bot").filter(has_text="<b id='injected'>bold</b>")
    ).to_be_visible()
    assert page.locator("#injected, #btn").count() == 0
    assert page.locator(".dto-sources a").count() == 0  # javascript: links are not made links


def test_phone_sized_screen_gets_a_full_screen_panel(browser: Browser, stack) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(stack.gateway_url + "/")
    page.get_by_test_id("dto-launcher").click()
    box = page.get_by_role("dialog", name="Support chat").bounding_box()
    assert box is not None and box["width"] == 375 and box["height"] == 667
    send(page, "hello")
    expect(page.locator(".dto-msg.bot").nth(1)).to_be_visible(timeout=30_000)
    context.close()


def test_error_from_the_gateway_is_shown_to_the_user(page: Page) -> None:
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(
            status=503,
            json={
                "error": "assistant_unavailable",
                "detail": "The assistant is temporarily unavailable.",
            },
        ),
    )
    page.get_by_test_id("dto-launcher").click()
    send(page, "hello")
    expect(page.locator(".dto-msg.error")).to_have_text("The assistant is temporarily unavailable.")


def test_search_box_finds_articles_and_remembers_recently_viewed(page: Page) -> None:
    page.get_by_test_id("dto-launcher").click()
    page.get_by_role("button", name="Search help").click()
    page.get_by_label("Search help articles").fill("emergency phone number")
    result = page.locator(".dto-search-item a").first
    expect(result).to_be_visible(timeout=15_000)
    title = result.inner_text()
    with page.context.expect_page() as opened:
        result.click()
    opened.value.close()
    page.get_by_label("Search help articles").fill("")
    expect(page.locator(".dto-search-heading").first).to_have_text("Recently viewed")
    expect(page.locator(".dto-search-item a").first).to_have_text(title)


def test_not_helpful_is_recorded_and_offers_a_ticket_or_a_person(page: Page, stack) -> None:
    import httpx

    from tests.stack import AGENT_TOKEN

    page.get_by_test_id("dto-launcher").click()
    send(page, "how do I set up a bracket order")
    feedback = page.get_by_test_id("dto-feedback")
    expect(feedback).to_be_visible(timeout=30_000)
    feedback.get_by_role("button", name="No").click()
    expect(feedback).to_have_text("Thanks for telling us.")
    expect(page.locator(".dto-msg.bot").filter(has_text="didn't help")).to_be_visible(
        timeout=30_000
    )
    expect(
        page.locator(".dto-buttons button").filter(has_text="Open a support ticket")
    ).to_be_visible()
    report = httpx.get(
        f"{stack.gateway_url}/api/reports/feedback",
        headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
    ).json()
    assert any(
        a["not_helpful"] >= 1 and "bracket" in (a["about"] or "") for a in report["articles"]
    )
