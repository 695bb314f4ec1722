"""Tickets on SQLite and PostgreSQL: migrations, idempotent creation, ownership, statuses, SLA."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.db import Base, create_schema, make_engine, make_session_factory
from bot.migrate import downgrade_all, upgrade
from bot.models import Notification, Ticket
from bot.pending_tickets import PendingTickets
from bot.tickets import (
    InvalidTransition,
    TicketNotFound,
    TicketRequest,
    TicketService,
    parse_ticket_number,
    subject_from,
)
from retrieval.facts import SupportFacts
from tests.conftest import ROOT

FACTS = SupportFacts.load(ROOT / "data" / "support_facts.yml")
START = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(engine: Engine, clock: Clock) -> TicketService:
    return TicketService(make_session_factory(engine), FACTS, clock)


def request(description: str = "Orders stuck in pending since the open", **overrides):  # type: ignore[no-untyped-def]
    fields = {"channel": "widget", "sender": "sender-aaaaaaaaaaaaaaaa", "priority": "high"}
    return TicketRequest(description=description, **{**fields, **overrides})


def test_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"tickets", "ticket_events", "callbacks", "notifications", "feedback"} <= set(
        inspect(engine).get_table_names()
    )


def test_migrations_go_down_and_up_again(engine: Engine) -> None:
    downgrade_all(engine)
    assert "tickets" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "tickets" in inspect(engine).get_table_names()


def test_a_database_from_before_migrations_is_adopted(engine: Engine) -> None:
    downgrade_all(engine)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(
            text(
                "INSERT INTO transcript_messages (channel, conversation_id, author, text, created_at)"
                " VALUES ('widget', 'old', 'user', 'kept', CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT text FROM transcript_messages")).scalar_one()
    assert kept == "kept"
    assert "tickets" in inspect(engine).get_table_names()


@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [
        ("critical", timedelta(minutes=15), timedelta(hours=4)),
        ("high", timedelta(hours=1), timedelta(hours=8)),
        ("medium", timedelta(hours=4), timedelta(hours=24)),
        ("low", timedelta(hours=24), timedelta(hours=72)),
    ],
)
def test_due_times_follow_the_sla_table(
    service: TicketService, priority: str, first_response: timedelta, resolution: timedelta
) -> None:
    ticket, created = service.create(request(priority=priority))
    assert created
    assert ticket.public_id.startswith("TKT-") and len(ticket.public_id) == 10
    assert _utc(ticket.first_response_due) == START + first_response
    assert _utc(ticket.resolution_due) == START + resolution
    assert ticket.status == "new"
    assert [e.kind for e in service.events(ticket.id)] == ["created"]


def test_the_same_request_asked_again_is_one_ticket(service: TicketService) -> None:
    first, created_first = service.create(request("My stop loss did not trigger"))
    again, created_again = service.create(request("  my STOP loss did not   trigger "))
    assert created_first and not created_again
    assert again.id == first.id
    other, created_other = service.create(request("A different problem"))
    assert created_other and other.id != first.id
    someone_else, created = service.create(
        request("My stop loss did not trigger", sender="sender-bbbbbbbbbbbbbbbb")
    )
    assert created and someone_else.id != first.id


def test_concurrent_retries_make_one_ticket(service: TicketService, engine: Engine) -> None:
    results: list[int] = []
    errors: list[Exception] = []

    def create() -> None:
        try:
            results.append(service.create(request("Retried by Rasa"))[0].id)
        except Exception as error:  # the test fails on any
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    with make_session_factory(engine)() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_only_the_owner_finds_a_ticket(service: TicketService) -> None:
    mine, _ = service.create(request(user_id="user-1"))
    anonymous, _ = service.create(request("anonymous problem"))
    owner = {"channel": "widget", "sender": "sender-aaaaaaaaaaaaaaaa"}
    assert service.find_for_owner(mine.id, user_id="user-1", **owner) is not None
    assert service.find_for_owner(mine.id, user_id="user-2", **owner) is None
    assert service.find_for_owner(anonymous.id, user_id=None, **owner) is not None
    stranger = {"channel": "widget", "sender": "sender-cccccccccccccccc"}
    assert service.find_for_owner(anonymous.id, user_id=None, **stranger) is None
    assert service.find_for_owner(999_999, user_id=None, **owner) is None


def test_status_moves_and_is_recorded(service: TicketService, clock: Clock) -> None:
    ticket, _ = service.create(request())
    clock.now = START + timedelta(minutes=30)
    updated = service.update(ticket.id, author="agent", status="in_progress", note="Looking")
    assert updated.status == "in_progress"
    assert _utc(updated.first_responded_at) == clock.now
    with pytest.raises(InvalidTransition, match="cannot become new"):
        service.update(ticket.id, author="agent", status="new")
    service.update(ticket.id, author="agent", status="resolved")
    service.update(ticket.id, author="agent", status="closed")
    with pytest.raises(InvalidTransition, match="closed"):
        service.update(ticket.id, author="agent", status="in_progress")
    kinds = [(e.kind, e.to_status) for e in service.events(ticket.id)]
    assert kinds == [
        ("created", "new"),
        ("status_change", "in_progress"),
        ("note", None),
        ("status_change", "resolved"),
        ("status_change", "closed"),
    ]
    with pytest.raises(TicketNotFound):
        service.update(424_242, author="agent", note="x")


def test_sla_report_counts_met_breached_and_open(service: TicketService, clock: Clock) -> None:
    on_time, _ = service.create(request("answered on time", priority="critical"))
    late, _ = service.create(request("answered late", priority="critical"))
    service.create(request("nobody yet", priority="low"))
    clock.now = START + timedelta(minutes=10)
    service.update(on_time.id, author="agent", status="in_progress")
    clock.now = START + timedelta(minutes=20)
    service.update(late.id, author="agent", status="in_progress")
    report = service.sla_report(START + timedelta(hours=1))
    critical = report["priorities"]["critical"]
    assert critical["tickets"] == 2
    assert critical["first_response"] == {"met": 1, "breached": 1, "open": 0, "compliance": 0.5}
    assert critical["resolution"]["open"] == 2
    assert report["priorities"]["low"]["first_response"]["open"] == 1
    later = service.sla_report(START + timedelta(hours=25))
    assert later["priorities"]["low"]["first_response"]["breached"] == 1


def test_on_call_notifications_are_written_with_the_ticket(
    service: TicketService, engine: Engine
) -> None:
    ticket, _ = service.create(
        request(
            "stop loss not triggered",
            priority="critical",
            emergency=True,
            notify=("slack", "email"),
        )
    )
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(Notification)).all()
    assert sorted(r.target for r in rows) == ["email", "slack"]
    assert all(r.status == "pending" and r.ticket_id == ticket.id for r in rows)
    assert rows[0].payload["ticket_id"] == ticket.public_id


def test_requests_kept_while_the_database_is_down_are_created_once_it_is_back(
    tmp_path: Path, service: TicketService
) -> None:
    down = TicketService(
        make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing-dir/x/none.db?mode=ro")),
        FACTS,
    )
    kept = PendingTickets(tmp_path / "pending.jsonl")
    with pytest.raises(SQLAlchemyError):
        down.create(request("kept while down"))
    kept.keep(request("kept while down", notify=("slack",)))
    kept.keep(request("kept while down"))  # the user asked twice
    assert kept.count() == 2
    assert kept.create_all(down) == 0 and kept.count() == 2
    assert kept.create_all(service) == 2
    assert kept.count() == 0
    assert len(service.list_for(sender="sender-aaaaaaaaaaaaaaaa")) == 1


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("any update on TKT-000123?", 123),
        ("tkt 004567 please", 4567),
        ("ticket 000042", 42),
        ("my ticket is 123456", 123456),
        ("TKT-12345", None),
        ("call me on 555-123456", None),
        ("1234567", None),
        ("", None),
    ],
)
def test_ticket_numbers_are_found_in_messages(text: str, number: int | None) -> None:
    assert parse_ticket_number(text) == number


def test_long_descriptions_get_a_short_subject() -> None:
    subject = subject_from("word " * 100)
    assert len(subject) <= 80 and subject.endswith("…")
    assert subject_from("Short\nproblem") == "Short problem"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_notes_and_no_op_updates_are_not_a_first_response(
    service: TicketService, clock: Clock
) -> None:
    ticket, _ = service.create(request())
    clock.now = START + timedelta(minutes=5)
    same = service.update(ticket.id, author="agent", status="new")
    assert same.first_responded_at is None and _utc(same.updated_at) == START
    noted = service.update(ticket.id, author="agent", note="internal: asked the broker team")
    assert noted.first_responded_at is None
    assert [e.kind for e in service.events(ticket.id)] == ["created", "note"]


def test_one_user_asking_from_two_conversations_gets_one_ticket(service: TicketService) -> None:
    first, created = service.create(request("broker keeps disconnecting", user_id="u-9"))
    again, created_again = service.create(
        request("broker keeps  disconnecting", user_id="u-9", sender="another-device-xxxxxx")
    )
    assert created and not created_again and again.id == first.id


def test_the_same_problem_after_its_ticket_was_resolved_is_a_new_ticket(
    service: TicketService,
) -> None:
    first, _ = service.create(request("broker keeps disconnecting"))
    service.update(first.id, author="agent", status="resolved")
    second, created = service.create(request("broker keeps disconnecting"))
    assert created and second.id != first.id
    third, created_third = service.create(request("broker keeps disconnecting"))
    assert not created_third and third.id == second.id
