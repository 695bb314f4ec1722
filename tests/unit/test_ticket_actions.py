"""The ticket, callback and escalation actions on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import Callback, Notification, Ticket, TicketEvent
from bot.tickets import TicketService
from connectors.oncall import RecordingNotifier
from tests.action_calls import FACTS, ActionRunner, Clock, make_desk, user_event

# Wednesday 2 December 2026, 10:00 in New York: NYSE open, live chat and phone open
WEDNESDAY_MORNING = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
# Christmas Day 2026, a Friday: exchange holiday
CHRISTMAS_MORNING = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def parts(database_url: str, tmp_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    return make_desk(database_url, tmp_path / "spool.jsonl", clock)


def all_rows(tickets: TicketService, model):  # type: ignore[no-untyped-def]
    with tickets._sessions() as session:  # noqa: SLF001
        return list(session.scalars(select(model).order_by(model.id)))


def fill_ticket_form(runner: ActionRunner, description: str, urgency: str = "high") -> None:
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    assert runner.slots["requested_slot"] == "ticket_description"
    runner.say(user_event(description, "troubleshooting", urgency))
    runner.run("validate_ticket_form")
    assert runner.slots["requested_slot"] == "ticket_email"
    runner.say(user_event("skip", "deny"))
    runner.run("validate_ticket_form")
    assert runner.slots["requested_slot"] == "ticket_confirmed"


def confirm(runner: ActionRunner, **metadata: str) -> dict:
    runner.say(user_event("/affirm", "affirm", **metadata))
    runner.run("validate_ticket_form")
    assert runner.slots["ticket_confirmed"] is True and runner.slots["requested_slot"] is None
    return runner.run("action_create_ticket")


def test_ticket_form_asks_confirms_and_states_the_sla(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "my orders get rejected since the update")
    summary = runner.texts(runner.run("action_ask_ticket_confirmed"))
    assert "my orders get rejected since the update" in summary
    assert "Priority: high" in summary and "1 hour" in summary and "8 hours" in summary
    reply = runner.texts(confirm(runner))
    [ticket] = all_rows(tickets, Ticket)
    assert f"I've opened ticket {ticket.public_id} with high priority" in reply
    assert FACTS.get("sla.high.initial_response") in reply
    assert FACTS.get("sla.high.resolution") in reply
    assert ticket.priority == "high" and ticket.contact_email is None
    assert ticket.channel == "widget" and ticket.sender == "sender-aaaaaaaaaaaaaaaa"
    assert runner.slots["ticket_description"] is None  # ready for the next ticket


def test_a_retried_action_or_asking_again_makes_no_second_ticket(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "charts freeze every few minutes")
    slots = dict(runner.slots)
    confirm(runner)
    runner.slots = {**slots, "ticket_confirmed": True, "requested_slot": None}
    retried = runner.texts(runner.run("action_create_ticket"))  # Rasa retrying the call
    assert "already have ticket" in retried
    # the user asking again, in other spacing: an old description is not reused silently
    fill_ticket_form(runner, "Charts  freeze every few minutes")
    assert "already have ticket" in runner.texts(confirm(runner))
    assert len(all_rows(tickets, Ticket)) == 1


def test_description_in_the_request_and_a_known_user_skip_two_questions(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(
        user_event(
            "please open a ticket: the backtester crashes when I load two years of data",
            "create_ticket",
            "medium",
            user_id="u-42",
            support_tier="gold",
        )
    )
    runner.run("validate_ticket_form")
    assert runner.slots["ticket_description"] == (
        "the backtester crashes when I load two years of data"
    )
    assert runner.slots["requested_slot"] == "ticket_confirmed"
    confirm(runner, user_id="u-42", support_tier="gold")
    [ticket] = all_rows(tickets, Ticket)
    assert ticket.user_id == "u-42" and ticket.support_tier == "gold"
    assert ticket.priority == "medium"


def test_the_problem_just_described_becomes_the_description(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, _ = parts
    runner = ActionRunner(desk)
    runner.say(user_event("my alpaca connection keeps dropping", "troubleshooting", "high"))
    runner.say(user_event("/create_ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    assert runner.slots["ticket_description"] == "my alpaca connection keeps dropping"
    assert runner.slots["ticket_urgency"] == "high"
    assert runner.slots["requested_slot"] == "ticket_email"


def test_an_answered_question_or_an_older_message_is_not_taken_as_the_problem(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, _ = parts
    runner = ActionRunner(desk)
    runner.say(user_event("what are the support hours", "general_question"))
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    assert runner.slots["requested_slot"] == "ticket_description"
    runner.events.clear()
    runner.slots.clear()
    runner.say(user_event("my alpaca connection keeps dropping", "troubleshooting", "high"))
    runner.say(user_event("thanks", "thank_you"))
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    assert runner.slots["requested_slot"] == "ticket_description"


def test_short_words_mid_form_are_not_taken_for_an_emergency(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    runner.say(
        user_event("the chart does not load on the trade screen", "troubleshooting", "medium")
    )
    runner.run("validate_ticket_form")
    runner.say(user_event("not-an-email", "out_of_scope", "critical"))
    assert "doesn't look like an e-mail" in runner.texts(runner.run("validate_ticket_form"))
    runner.say(user_event("cancel", "deny", "critical"))
    assert "won't open a ticket" in runner.texts(runner.run("validate_ticket_form"))
    assert all_rows(tickets, Ticket) == []


def test_a_lone_alarm_word_gets_the_emergency_line_but_pages_nobody(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(user_event("help", "troubleshooting", "critical"))
    reply = runner.texts(runner.run("action_answer_question"))
    assert FACTS.get("phone.emergency.display") in reply and "tell me in a sentence" in reply
    assert all_rows(tickets, Ticket) == [] and all_rows(tickets, Notification) == []


def test_the_emergency_ticket_button_does_not_open_a_second_emergency(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(
        user_event(
            "my stop loss didn't trigger and I'm losing money", "troubleshooting", "critical"
        )
    )
    runner.run("action_answer_question")
    runner.say(user_event("/create_ticket", "create_ticket"))
    runner.run("validate_ticket_form")  # the problem just described is the description
    runner.say(user_event("skip", "deny"))
    runner.run("validate_ticket_form")
    reply = runner.texts(confirm(runner))
    [ticket] = all_rows(tickets, Ticket)
    assert f"added this to emergency ticket {ticket.public_id}" in reply


def test_bad_email_is_asked_again_and_a_good_one_kept(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    runner.say(user_event("stop orders vanish from the blotter", "troubleshooting", "high"))
    runner.run("validate_ticket_form")
    runner.say(user_event("trader at example", "out_of_scope"))
    reply = runner.run("validate_ticket_form")
    assert "doesn't look like an e-mail" in runner.texts(reply)
    assert runner.slots["requested_slot"] == "ticket_email"
    runner.say(user_event("it's jo.trader@example.com", "out_of_scope"))
    runner.run("validate_ticket_form")
    assert runner.slots["ticket_email"] == "jo.trader@example.com"
    confirm(runner)
    assert all_rows(tickets, Ticket)[0].contact_email == "jo.trader@example.com"


def test_cancel_leaves_the_form_without_a_ticket(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    runner.say(user_event("never mind", "deny"))
    assert "won't open a ticket" in runner.texts(runner.run("validate_ticket_form"))
    assert runner.slots["requested_slot"] is None
    runner.run("action_create_ticket")
    assert all_rows(tickets, Ticket) == []


def test_market_hours_raise_a_trading_problem_one_level_and_say_why(parts, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    clock.now = WEDNESDAY_MORNING
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "the P&L report shows the wrong totals", urgency="medium")
    assert "Why this priority: raised from medium to high" in runner.texts(
        runner.run("action_ask_ticket_confirmed")
    )
    confirm(runner)
    [ticket] = all_rows(tickets, Ticket)
    assert ticket.priority == "high"
    assert "NYSE regular session" in (ticket.escalation_reason or "")


@pytest.mark.parametrize("moment", [CHRISTMAS_MORNING, Clock().now])
def test_holidays_and_weekends_do_not_raise_urgency(parts, clock: Clock, moment) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    clock.now = moment
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "the P&L report shows the wrong totals", urgency="medium")
    confirm(runner)
    assert all_rows(tickets, Ticket)[0].priority == "medium"


def test_critical_message_opens_one_emergency_ticket_and_alerts_on_call(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    runner.say(
        user_event(
            "my stop loss didn't trigger and I'm losing money", "troubleshooting", "critical"
        )
    )
    first = runner.run("action_answer_question")
    [ticket] = all_rows(tickets, Ticket)
    assert ticket.emergency and ticket.priority == "critical"
    assert ticket.public_id in runner.texts(first)
    assert FACTS.get("phone.emergency.display") in runner.texts(first)
    assert FACTS.get("phone.emergency_sms") in runner.texts(first)
    assert first["responses"][0]["custom"]["ticket_id"] == ticket.public_id
    [alert] = all_rows(tickets, Notification)
    assert alert.ticket_id == ticket.id and alert.status == "queued"  # no target configured
    runner.say(user_event("it's still not closing my position!!", "troubleshooting", "critical"))
    second = runner.run("action_answer_question")
    assert len(all_rows(tickets, Ticket)) == 1  # the same emergency, not a new ticket
    assert ticket.public_id in runner.texts(second)
    notes = [e.note for e in all_rows(tickets, TicketEvent) if e.kind == "note"]
    assert notes == ["User: it's still not closing my position!!"]


def test_critical_ticket_from_the_form_notifies_every_configured_target(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    notifier = RecordingNotifier()
    desk, outbound, tickets = make_desk(
        database_url, tmp_path / "spool.jsonl", clock, notifiers=[notifier]
    )
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "duplicate orders keep firing on my account", urgency="critical")
    reply = runner.texts(confirm(runner))
    assert FACTS.get("phone.emergency.display") in reply
    [ticket] = all_rows(tickets, Ticket)
    assert ticket.emergency and ticket.priority == "critical"
    assert outbound.deliver_due() == 1
    assert [a.ticket_id for a in notifier.alerts] == [ticket.public_id]


def test_ticket_status_only_for_its_owner(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    owner = ActionRunner(desk)
    fill_ticket_form(owner, "my strategy stopped sending orders")
    confirm(owner)
    [ticket] = all_rows(tickets, Ticket)
    owner.say(user_event(f"any update on {ticket.public_id}?", "ticket_status"))
    status = owner.texts(owner.run("action_ticket_status"))
    assert f"Ticket {ticket.public_id}" in status and "new, priority high" in status
    assert "First response due" in status
    bare = ActionRunner(desk)
    bare.events = list(owner.events)
    bare.say(user_event(f"status of {ticket.id:06d}", "ticket_status"))
    assert f"Ticket {ticket.public_id}" in bare.texts(bare.run("action_ticket_status"))
    stranger = ActionRunner(desk, sender_id="widget:someone-else-bbbbbbbbbb")
    stranger.say(user_event(f"any update on {ticket.public_id}?", "ticket_status"))
    answer = stranger.texts(stranger.run("action_ticket_status"))
    assert "couldn't find ticket" in answer and "new" not in answer.split("ticket")[1][:20]
    stranger.say(user_event("any update on TKT-99999999999", "ticket_status"))
    assert "doesn't look like a ticket number" in stranger.texts(
        stranger.run("action_ticket_status")
    )


def test_ticket_status_without_a_number_lists_the_users_tickets(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = ActionRunner(desk)
    fill_ticket_form(runner, "my strategy stopped sending orders")
    confirm(runner)
    runner.say(user_event("what's the status of my ticket", "ticket_status"))
    body = runner.run("action_ticket_status")
    [ticket] = all_rows(tickets, Ticket)
    assert [b["payload"] for b in body["responses"][0]["buttons"]] == [
        f"status of {ticket.public_id}"
    ]


def callback_runner(desk, text: str, **metadata) -> ActionRunner:  # type: ignore[no-untyped-def]
    runner = ActionRunner(desk)
    runner.say(user_event(text, "request_callback", **metadata))
    return runner


def test_bronze_is_told_phone_is_not_in_its_plan(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = callback_runner(desk, "can someone call me", support_tier="bronze")
    reply = runner.texts(runner.run("validate_callback_form"))
    assert "Silver plan and up" in reply and FACTS.get("phone.emergency.display") in reply
    assert runner.slots["requested_slot"] is None
    runner.run("action_request_callback")
    assert all_rows(tickets, Callback) == []


def test_callback_number_in_the_request_is_queued_with_when_it_will_come(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = callback_runner(desk, "call me on (415) 555-2671 please", support_tier="silver")
    runner.run("validate_callback_form")
    assert runner.slots["callback_phone"] == "+14155552671"
    reply = runner.texts(runner.run("action_request_callback"))
    # Saturday noon in New York: Silver's phone hours are weekdays
    assert "+14155552671" in reply and "opens Monday at 8:00 AM Eastern" in reply
    [callback] = all_rows(tickets, Callback)
    assert callback.status == "queued" and callback.phone_number == "+14155552671"


def test_invalid_numbers_are_asked_again_twice_then_another_route(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, tickets = parts
    runner = callback_runner(desk, "I want a phone call", support_tier="gold", locale="en-GB")
    runner.run("validate_callback_form")
    assert runner.slots["requested_slot"] == "callback_phone"
    for attempt in ("12", "call me maybe"):
        runner.say(user_event(attempt, "out_of_scope"))
        assert "doesn't look like a phone number" in runner.texts(
            runner.run("validate_callback_form")
        )
        assert runner.slots["requested_slot"] == "callback_phone"
    runner.say(user_event("1-800-NOPE", "out_of_scope"))
    reply = runner.texts(runner.run("validate_callback_form"))
    assert "haven't booked a call" in reply and FACTS.get("phone.primary.display") in reply
    assert runner.slots["requested_slot"] is None
    runner.run("action_request_callback")
    assert all_rows(tickets, Callback) == []


def test_a_uk_number_without_country_code_follows_the_locale(parts) -> None:  # type: ignore[no-untyped-def]
    desk, _, _ = parts
    runner = callback_runner(desk, "ring me on 020 7946 0958", support_tier="gold", locale="en-GB")
    runner.run("validate_callback_form")
    assert runner.slots["callback_phone"] == "+442079460958"


def test_reaching_a_person_says_what_is_open_now(parts, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    desk, _, _ = parts
    runner = ActionRunner(desk)
    runner.say(user_event("agent please", "request_human", support_tier="silver"))
    closed = runner.texts(runner.run("action_request_human"))
    assert "closed now; it opens Monday at 8:00 AM Eastern" in closed
    clock.now = WEDNESDAY_MORNING
    opened = runner.texts(runner.run("action_request_human"))
    assert "is open now" in opened and "Silver plan" in opened
