"""End to end: the gateway, a real Rasa server with the trained model, the real KB index."""

from __future__ import annotations

import uuid

import httpx
import pytest

from retrieval.facts import SupportFacts
from tests.conftest import ROOT
from tests.stack import AGENT_TOKEN

FACTS = SupportFacts.load(ROOT / "data" / "support_facts.yml")


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.mark.parametrize(
    "text",
    [
        "my stop loss didn't trigger and I'm losing money",
        "I can't close my positions and the market is tanking",
        "the bot keeps sending duplicate orders nonstop",
        "someone logged into my account and placed trades",
    ],
)
def test_urgent_money_at_risk_is_critical_and_gets_the_emergency_line(stack, text) -> None:
    parse = stack.parse(text)
    assert parse["urgency"]["name"] == "critical"
    assert 0.0 < parse["urgency"]["confidence"] <= 1.0
    reply = stack.chat(new_sender(), text)
    assert FACTS.get("phone.emergency.display") in texts(reply)
    payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
    assert "/request_human" in payloads


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("what are your phone support hours", "low"),
        ("how do I set up a bracket order", "low"),
        ("charts are a bit slow today but everything works", "medium"),
        ("getting ERR_BROKER_AUTH 401 when I connect to my broker", "high"),
    ],
)
def test_every_parse_carries_an_urgency(stack, text, level) -> None:
    urgency = stack.parse(text)["urgency"]
    assert set(urgency) == {"name", "confidence"}
    assert urgency["name"] == level


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what are your phone support hours", "8 AM - 8 PM"),
        ("how much is gold support", "$2,000/month per instance"),
        ("what is the emergency phone number", "1-800-363-7436"),
    ],
)
def test_support_questions_are_answered_from_the_kb_with_sources(stack, question, expected) -> None:
    reply = stack.chat(new_sender(), question)
    assert expected in texts(reply)
    sources = [s for m in reply for s in (m.get("custom") or {}).get("sources", [])]
    assert sources and sources[0]["url"].startswith("https://")
    assert 0 < sources[0]["score"] <= 1


def test_question_outside_the_kb_gets_an_honest_no_answer(stack) -> None:
    reply = stack.chat(new_sender(), "how do I configure the fibonacci retracement overlay colours")
    assert "don't have an answer" in texts(reply) or "not sure" in texts(reply)


def test_investment_advice_is_refused_politely(stack) -> None:
    reply = stack.chat(new_sender(), "should I buy NVDA now?")
    assert "can't give investment" in texts(reply)


@pytest.mark.parametrize(
    "text", ["👋🙂", "hola, necesito ayuda con mi cuenta", "我的订单被拒绝了", "?"]
)
def test_emoji_and_other_languages_get_a_normal_reply(stack, text) -> None:
    reply = stack.chat(new_sender(), text)
    assert reply and all(m.get("text") or m.get("buttons") or m.get("custom") for m in reply)


def test_conversation_is_stored_and_history_comes_back(stack) -> None:
    sender = new_sender()
    stack.chat(sender, "hello")
    stack.chat(sender, "are you a bot?")
    history = httpx.get(f"{stack.gateway_url}/api/chat/history", params={"sender": sender}).json()[
        "messages"
    ]
    authors = [m["author"] for m in history]
    assert authors[:1] == ["user"] and authors.count("user") == 2 and authors.count("bot") >= 2
    assert history[2]["text"] == "are you a bot?"


def test_readyz_reports_every_dependency_green(stack) -> None:
    body = httpx.get(f"{stack.gateway_url}/readyz").json()
    assert body["ready"] is True
    assert body["rasa"]["ok"] and body["kb"]["ok"] and body["database"]["ok"]


def test_help_with_this_page_lists_articles_for_the_current_screen(stack) -> None:
    reply = stack.chat(new_sender(), "help with this page", current_screen="risk_settings")
    assert FACTS.get("docs.contextual_help.risk_settings") in texts(reply)
    assert [b for m in reply for b in m.get("buttons", [])]


def test_product_question_is_answered_from_a_product_article(stack) -> None:
    reply = stack.chat(new_sender(), "how do I set up a bracket order")
    sources = [s for m in reply for s in (m.get("custom") or {}).get("sources", [])]
    assert sources and "bracket" in sources[0]["title"].lower()


def test_kb_search_api_on_the_real_index(stack) -> None:
    body = httpx.get(f"{stack.gateway_url}/api/kb/search", params={"q": "reset my password"}).json()
    assert body["results"] and body["results"][0]["url"].startswith("https://")
    assert httpx.get(f"{stack.gateway_url}/api/kb/search", params={"q": ""}).json()["results"] == []


def test_a_ticket_is_opened_through_the_form_and_its_status_is_shown(stack) -> None:
    sender = new_sender()
    ask = stack.chat(sender, "open a support ticket")
    assert "What's the problem?" in texts(ask)
    email = stack.chat(sender, "the P&L column in my daily report shows the wrong currency")
    assert "e-mail" in texts(email)
    summary = stack.chat(sender, "skip")
    assert "the P&L column in my daily report" in texts(summary)
    assert [b["payload"] for m in summary for b in m.get("buttons", [])] == ["/affirm", "/deny"]
    created = stack.chat(sender, "/affirm")
    ticket_id = next((m.get("custom") or {}).get("ticket_id") for m in created if m.get("custom"))
    assert ticket_id and f"I've opened ticket {ticket_id}" in texts(created)
    status = stack.chat(sender, f"any update on {ticket_id}?")
    assert f"Ticket {ticket_id}" in texts(status) and "new, priority" in texts(status)
    stranger = stack.chat(new_sender(), f"any update on {ticket_id}?")
    assert "couldn't find ticket" in texts(stranger)
    api = httpx.get(
        f"{stack.gateway_url}/api/tickets/{ticket_id}",
        headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
    ).json()
    assert api["channel"] == "widget" and api["status"] == "new"


def test_a_callback_is_booked_and_the_closed_phone_hours_are_said(stack) -> None:
    sender = new_sender()
    ask = stack.chat(sender, "can someone call me", support_tier="silver")
    assert "Which number should we call?" in texts(ask)
    retry = stack.chat(sender, "my number is 12", support_tier="silver")
    assert "doesn't look like a phone number" in texts(retry)
    booked = stack.chat(sender, "+1 415 555 2671", support_tier="silver")
    assert "+14155552671" in texts(booked) and "opens Monday at 8:00 AM Eastern" in texts(booked)


def test_an_emergency_opens_an_emergency_ticket(stack) -> None:
    reply = stack.chat(new_sender(), "the bot keeps sending duplicate orders nonstop")
    assert "emergency ticket TKT-" in texts(reply)
