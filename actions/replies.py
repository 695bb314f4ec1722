"""Reply texts built from the support facts; wording lives here, facts come from data."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.sla import SlaTerms
from bot.support_hours import TIERS, Schedule, channel_schedule, describe_opening
from retrieval.facts import SupportFacts

if TYPE_CHECKING:
    from bot.desk import TicketOutcome

Button = dict[str, str]

TICKET_BUTTON: Button = {"title": "Open a support ticket", "payload": "/create_ticket"}
HUMAN_BUTTON: Button = {"title": "Talk to a person", "payload": "/request_human"}
CALLBACK_BUTTON: Button = {"title": "Call me back", "payload": "/request_callback"}


def emergency_line_note(facts: SupportFacts) -> str:
    return (
        "If money is at risk right now, call the 24/7 emergency line: "
        f"{facts.get('phone.emergency.display')} (SMS {facts.get('phone.emergency_sms')})."
    )


def emergency_text(facts: SupportFacts, outcome: TicketOutcome | None = None) -> str:
    text = (
        "This sounds urgent and your money may be at risk. Call the 24/7 emergency line now: "
        f"{facts.get('phone.emergency.display')}. You can also text "
        f"{facts.get('phone.emergency_sms')} or e-mail {facts.get('emails.emergency')}. "
        "Critical issues get a first response within "
        f"{facts.get('sla.critical.initial_response')}."
    )
    if outcome is None:
        return text
    if outcome.ticket is not None:
        verb = "I've opened" if outcome.created else "I've added this to"
        return (
            f"{text} {verb} emergency ticket {outcome.ticket.public_id} and alerted the on-call "
            "team; quote the ticket number when you call."
        )
    return (
        f"{text} I couldn't reach our ticket system just now, so I've kept your report and it "
        "will be filed and sent to the on-call team as soon as the system is back. Please call "
        "the emergency line now rather than wait."
    )


def emergency_buttons() -> list[Button]:
    return [
        HUMAN_BUTTON,
        CALLBACK_BUTTON,
        {"title": "Open an emergency ticket", "payload": "/create_ticket"},
    ]


def _opening(schedule: Schedule, now: datetime) -> str:
    if schedule.is_open(now):
        return "open now"
    opens = schedule.next_opening(now)
    return f"closed now; it opens {describe_opening(opens, now)}" if opens else "closed now"


def _tier_label(tier: str | None) -> str | None:
    return tier.capitalize() if tier in TIERS else None


def phone_line_text(facts: SupportFacts, tier: str | None, now: datetime) -> str:
    label = _tier_label(tier)
    number = facts.get("phone.primary.display")
    business = facts.get("phone.hours.business.text")
    if label is None:
        return (
            f"Phone support comes with the Silver plan and up: {number}, {business} "
            "(around the clock on Gold and Platinum)"
        )
    schedule = channel_schedule("phone", tier)
    if schedule is None:
        return (
            f"Phone support isn't part of the {label} plan; e-mail {facts.get('emails.general')} "
            f"(technical problems: {facts.get('emails.technical')}) reaches the support team"
        )
    hours = "24/7" if schedule.always_open else business
    return f"Phone ({label} plan): {number}, {hours}, {_opening(schedule, now)}"


def reach_a_person_text(facts: SupportFacts, tier: str | None, now: datetime) -> str:
    chat = channel_schedule("live_chat", tier)
    assert chat is not None
    return (
        f"Live chat with an agent ({facts.get('live_chat.hours').lower()}: {chat.name}) is "
        f"{_opening(chat, now)}; it is "
        f"{facts.get('live_chat.access').lower()}. {phone_line_text(facts, tier, now)}. "
        f"If money is at risk, the emergency line {facts.get('phone.emergency.display')} is open "
        f"{facts.get('phone.hours.emergency')} for everyone. I can't hand this chat over to an "
        "agent myself yet."
    )


def open_now_text(
    facts: SupportFacts, tier: str | None, now: datetime, channels: tuple[str, ...]
) -> str:
    """Whether live chat and/or phone are open at this moment, for the user's tier."""
    parts = []
    if "live_chat" in channels:
        chat = channel_schedule("live_chat", tier)
        assert chat is not None
        parts.append(f"Live chat ({chat.name}) is {_opening(chat, now)}.")
    if "phone" in channels:
        parts.append(phone_line_text(facts, tier, now) + ".")
    return "Right now: " + " ".join(parts)


def no_phone_in_tier_text(facts: SupportFacts) -> str:
    return (
        "I can't book a callback: phone support comes with the Silver plan and up, and your "
        "plan doesn't include it (or I don't know your plan). I can open a ticket instead, or "
        f"you can e-mail {facts.get('emails.general')}. If money is at risk, call the 24/7 "
        f"emergency line {facts.get('phone.emergency.display')}; it is open to everyone."
    )


def invalid_phone_text() -> str:
    return (
        "That doesn't look like a phone number I can call. Please type it with its country "
        "code, for example +1 415 555 2671, or say cancel."
    )


def callback_gave_up_text(facts: SupportFacts) -> str:
    return (
        "I still couldn't read a phone number, so I haven't booked a call. You can call us on "
        f"{facts.get('phone.primary.display')}, open a ticket, or ask for live chat. If money is "
        f"at risk, call the emergency line {facts.get('phone.emergency.display')}."
    )


def callback_not_booked_text(facts: SupportFacts) -> str:
    return (
        "Sorry, I couldn't book the callback: our system is having trouble right now. Please "
        f"call us on {facts.get('phone.primary.display')}, or for an emergency on "
        f"{facts.get('phone.emergency.display')}."
    )


def callback_booked_text(
    facts: SupportFacts, number: str, schedule: Schedule | None, now: datetime
) -> str:
    text = f"Done: an agent will call you back on {number}."
    if schedule is not None and schedule.is_open(now):
        text += " Phone support is open now, so expect the call soon."
    elif schedule is not None:
        opens = schedule.next_opening(now)
        when = describe_opening(opens, now) if opens else "when it next opens"
        text += f" Phone support is closed now; it opens {when}, and we'll call you then."
    return text + (
        f" If money is at risk in the meantime, call the 24/7 emergency line "
        f"{facts.get('phone.emergency.display')}."
    )


def sla_text(terms: SlaTerms) -> str:
    return (
        f"first response within {terms.first_response_text}, resolution within "
        f"{terms.resolution_text}"
    )


def ticket_summary_text(
    description: str, terms: SlaTerms, email: str | None, reason: str | None
) -> str:
    lines = [
        "Here is the ticket I'll open:",
        f"Problem: {description}",
        f"Priority: {terms.priority} ({sla_text(terms)})",
        f"Updates: {email}" if email else "Updates: here, ask me for the ticket status any time",
    ]
    if reason:
        lines.append(f"Why this priority: {reason}")
    lines.append("Shall I open it? Or type a better description.")
    return "\n".join(lines)


def ticket_created_text(ticket: Any, terms: SlaTerms, created: bool) -> str:
    due = describe_opening(_aware(ticket.first_response_due))
    if not created:
        return (
            f"You already have ticket {ticket.public_id} for this ({ticket.status.replace('_', ' ')}, "
            f"priority {ticket.priority}), so I haven't opened another."
        )
    return (
        f"I've opened ticket {ticket.public_id} with {ticket.priority} priority: "
        f'{sla_text(terms)} (first response by {due}). Ask me "status of '
        f'{ticket.public_id}" any time.'
    )


def ticket_kept_text() -> str:
    return (
        "Sorry, our ticket system isn't reachable right now. I've kept your request and it will "
        "be opened automatically as soon as the system is back; ask me for your ticket status "
        "in a few minutes to get its number."
    )


def ticket_status_text(ticket: Any) -> str:
    status = ticket.status.replace("_", " ")
    text = f"Ticket {ticket.public_id} ({ticket.subject}): {status}, priority {ticket.priority}."
    if ticket.status in ("resolved", "closed"):
        return text
    first = _aware(ticket.first_response_due)
    resolution = _aware(ticket.resolution_due)
    if ticket.first_responded_at is None:
        text += f" First response due {describe_opening(first).replace(' at ', ', ')};"
    else:
        text += " An agent has responded;"
    return text + f" resolution due {describe_opening(resolution).replace(' at ', ', ')}."


def ticket_not_found_text(text: str) -> str:
    return (
        f"I couldn't find ticket {text} among your tickets. Check the number (it looks like "
        "TKT-000123), or ask me to list your tickets."
    )


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
