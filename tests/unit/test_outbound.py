"""Delivering callbacks and on-call alerts with retries, and tickets kept while the database
is away (a real PostgreSQL behind a proxy the test cuts)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.desk import Conversation
from bot.models import Callback, Notification, Ticket
from connectors.oncall import RecordingNotifier
from connectors.phone import RecordingPhoneCallbacks
from connectors.retry import MAX_ATTEMPTS
from tests.action_calls import ActionRunner, Clock, make_desk, user_event
from tests.conftest import POSTGRES_URL, _postgres_reachable, drop_every_table
from tests.tcp_proxy import TCPProxy

CONVERSATION = Conversation("widget", "sender-aaaaaaaaaaaaaaaa", support_tier="gold")


def rows(tickets, model):  # type: ignore[no-untyped-def]
    with tickets._sessions() as session:  # noqa: SLF001
        return list(session.scalars(select(model).order_by(model.id)))


def test_alert_is_retried_with_backoff_until_it_gets_through(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    notifier = RecordingNotifier(fail_times=2)
    desk, outbound, tickets = make_desk(
        database_url, tmp_path / "s.jsonl", clock, notifiers=[notifier]
    )
    desk.raise_emergency(CONVERSATION, "runaway orders on my account", "critical urgency")
    assert outbound.deliver_due() == 0  # first attempt fails
    [alert] = rows(tickets, Notification)
    assert alert.status == "pending" and alert.attempts == 1 and "failure 1" in alert.last_error
    assert outbound.deliver_due() == 0  # not due yet: backoff
    clock.now += timedelta(seconds=1.5)
    assert outbound.deliver_due() == 0  # second failure, next wait doubles
    clock.now += timedelta(seconds=2.5)
    assert outbound.deliver_due() == 1
    [alert] = rows(tickets, Notification)
    assert alert.status == "sent" and alert.attempts == 3 and alert.reference == "alert-fake-1"
    assert len(notifier.alerts) == 1 and len(rows(tickets, Ticket)) == 1


def test_a_refused_delivery_is_recorded_as_failed_and_the_ticket_stays(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    notifier = RecordingNotifier(fail_times=99, retryable=False)
    desk, outbound, tickets = make_desk(
        database_url, tmp_path / "s.jsonl", clock, notifiers=[notifier]
    )
    desk.raise_emergency(CONVERSATION, "account compromised", "critical urgency")
    outbound.deliver_due()
    [alert] = rows(tickets, Notification)
    assert alert.status == "failed" and alert.attempts == 1
    assert rows(tickets, Ticket)[0].emergency


def test_a_callback_gives_up_after_the_last_attempt(database_url: str, tmp_path: Path) -> None:
    clock = Clock()
    phone = RecordingPhoneCallbacks(fail_times=99)
    desk, outbound, tickets = make_desk(database_url, tmp_path / "s.jsonl", clock, phone=phone)
    desk.request_callback(CONVERSATION, "+14155552671", "broker disconnects")
    for _ in range(MAX_ATTEMPTS):
        outbound.deliver_due()
        clock.now += timedelta(hours=2)
    [callback] = rows(tickets, Callback)
    assert callback.status == "failed" and callback.attempts == MAX_ATTEMPTS
    assert phone.attempts == MAX_ATTEMPTS


def test_a_callback_is_placed_through_the_phone_connector(
    database_url: str, tmp_path: Path
) -> None:
    phone = RecordingPhoneCallbacks()
    desk, outbound, tickets = make_desk(database_url, tmp_path / "s.jsonl", Clock(), phone=phone)
    desk.request_callback(CONVERSATION, "+14155552671", "broker disconnects")
    assert outbound.deliver_due() == 1
    assert [c.to_number for c in phone.calls] == ["+14155552671"]
    assert rows(tickets, Callback)[0].reference == "CA-fake-1"


@pytest.fixture
def proxied_postgres():  # type: ignore[no-untyped-def]
    if not _postgres_reachable(POSTGRES_URL):
        pytest.skip("PostgreSQL not reachable")
    drop_every_table(POSTGRES_URL)
    proxy = TCPProxy("127.0.0.1", 5432)
    yield proxy, POSTGRES_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    proxy.close()


def test_ticket_asked_for_while_the_database_is_away_is_created_once_it_is_back(
    proxied_postgres, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    proxy, url = proxied_postgres
    clock = Clock()
    desk, _, tickets = make_desk(url + "?connect_timeout=2", tmp_path / "kept.jsonl", clock)
    runner = ActionRunner(desk)
    runner.say(user_event("open a support ticket", "create_ticket"))
    runner.run("validate_ticket_form")
    runner.say(user_event("my positions page shows zero quantity", "troubleshooting", "high"))
    runner.run("validate_ticket_form")
    runner.say(user_event("skip", "deny"))
    runner.run("validate_ticket_form")
    runner.say(user_event("/affirm", "affirm"))
    runner.run("validate_ticket_form")
    slots = dict(runner.slots)

    proxy.cut()
    reply = runner.texts(runner.run("action_create_ticket"))
    assert "isn't reachable right now" in reply and "kept your request" in reply
    runner.slots = slots
    runner.run("action_create_ticket")  # Rasa retrying while it is still down
    pending = desk._pending  # noqa: SLF001
    assert pending.count() == 2
    assert pending.create_all(tickets) == 0 and pending.count() == 2  # still away

    proxy.restore()
    assert pending.create_all(tickets) == 2
    [ticket] = rows(tickets, Ticket)  # kept twice, created once
    assert ticket.priority == "high" and pending.count() == 0
    runner.say(user_event("status of my ticket", "ticket_status"))
    listed = runner.run("action_ticket_status")["responses"][0]["buttons"]
    assert [b["payload"] for b in listed] == [f"status of {ticket.public_id}"]


def test_an_emergency_while_the_database_is_away_still_gets_the_emergency_line(
    proxied_postgres, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    proxy, url = proxied_postgres
    desk, _, tickets = make_desk(url + "?connect_timeout=2", tmp_path / "kept.jsonl", Clock())
    proxy.cut()
    runner = ActionRunner(desk)
    runner.say(
        user_event("my stops are not triggering, losing money", "troubleshooting", "critical")
    )
    reply = runner.texts(runner.run("action_answer_question"))
    assert "1-800-EMERGENCY" in reply and "kept your report" in reply
    proxy.restore()
    assert desk._pending.create_all(tickets) == 1  # noqa: SLF001
    [ticket] = rows(tickets, Ticket)
    assert ticket.emergency and len(rows(tickets, Notification)) == 1
