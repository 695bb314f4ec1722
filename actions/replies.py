"""Reply texts built from the support facts; wording lives here, facts come from data."""

from __future__ import annotations

import re
from typing import Any

from retrieval.facts import SupportFacts

Button = dict[str, str]

TICKET_BUTTON: Button = {"title": "Open a support ticket", "payload": "/create_ticket"}
HUMAN_BUTTON: Button = {"title": "Talk to a person", "payload": "/request_human"}
CALLBACK_BUTTON: Button = {"title": "Call me back", "payload": "/request_callback"}


def emergency_text(facts: SupportFacts) -> str:
    return (
        "This sounds urgent and your money may be at risk. Call the 24/7 emergency line now: "
        f"{facts.get('phone.emergency.display')}. You can also text "
        f"{facts.get('phone.emergency_sms')} or e-mail {facts.get('emails.emergency')}. "
        "Critical issues get a first response within "
        f"{facts.get('sla.critical.initial_response')}."
    )


def emergency_buttons() -> list[Button]:
    return [
        HUMAN_BUTTON,
        CALLBACK_BUTTON,
        {"title": "Open an emergency ticket", "payload": "/create_ticket"},
    ]


def human_contact_text(facts: SupportFacts) -> str:
    hours = facts.get("phone.hours")
    return (
        f"Our agents are on live chat in the web interface ({facts.get('live_chat.hours')}) "
        f"and on the phone at {facts.get('phone.primary.display')}: "
        f"{hours['business']['text']} (business hours), {hours['extended']['text']} "
        f"(extended hours) and {hours['weekend']['text']} (weekends). "
        "I can't hand this chat over to an agent myself yet."
    )


def callback_text(facts: SupportFacts) -> str:
    return (
        "I can't book a phone callback from this chat yet. You can call us on "
        f"{facts.get('phone.primary.display')} ({facts.get('phone.hours.business.text')}); "
        f"for emergencies the line {facts.get('phone.emergency.display')} is open "
        f"{facts.get('phone.hours.emergency')}."
    )


def ticket_text(facts: SupportFacts) -> str:
    return (
        "I can't open tickets from this chat yet. Submit one at the help desk portal "
        f"{facts.get('portal_url')}, or e-mail {facts.get('emails.general')} "
        f"(technical problems: {facts.get('emails.technical')})."
    )


def ticket_status_text(facts: SupportFacts) -> str:
    return (
        "I can't look up tickets from this chat yet. You can track every ticket and its replies "
        f"at {facts.get('portal_url')}, or e-mail {facts.get('emails.general')} with the "
        "ticket number."
    )


def passage_text(passage: Any) -> str:
    """A KB passage as plain text for any channel, headed by where it comes from."""
    heading = passage.title
    if passage.heading and passage.heading != passage.title:
        heading = f"{passage.title} \u2014 {passage.heading}"
    body = re.sub(r"(\*\*|__)(.+?)\1", r"\2", passage.text)
    return f"{heading}\n{body}"


def unreadable_text(facts: SupportFacts) -> str:
    # we cannot tell whether it is an emergency, so the emergency line is always included
    return (
        "Sorry, I can only read English so far, and I couldn't find any English words in that. "
        "Please describe what you need in a few English words, or ask for a person. Our regional "
        f"centres can also help: Europe {facts.get('regional_centers.europe.phone')}, "
        f"Asia-Pacific {facts.get('regional_centers.asia_pacific.phone')}. If money is at risk "
        f"right now, call the 24/7 emergency line {facts.get('phone.emergency.display')}."
    )


def sources_payload(passages: list[Any]) -> dict[str, Any]:
    return {
        "sources": [{"title": p.title, "url": p.url, "score": p.score} for p in passages],
    }
