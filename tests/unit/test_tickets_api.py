"""The agent-facing ticket API over a real database: auth, look-up, updates, SLA report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.knowledge import KnowledgeBase
from bot.settings import Settings
from bot.tickets import TicketRequest
from tests.fakes import FixedRetriever, RecordingDialogue, settings_for

TOKEN = "agent-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = settings_for(
        database_url,
        tmp_path,
        agent_api_token=TOKEN,
        pending_tickets_file=tmp_path / "pending.jsonl",
    )
    app = create_app(
        settings, dialogue=RecordingDialogue(), knowledge=KnowledgeBase(FixedRetriever())
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def open_ticket(client: TestClient, description: str = "orders rejected", **fields) -> str:  # type: ignore[no-untyped-def]
    request = TicketRequest(
        channel="widget",
        sender="sender-aaaaaaaaaaaaaaaa",
        description=description,
        priority=fields.pop("priority", "high"),
        **fields,
    )
    ticket, _ = client.app.state.tickets.create(request)  # type: ignore[attr-defined]
    return ticket.public_id


def test_agent_endpoints_need_the_token(client: TestClient) -> None:
    ticket_id = open_ticket(client)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get(f"/api/tickets/{ticket_id}", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    assert client.get("/api/reports/sla").status_code == 401


def test_get_list_and_update_a_ticket(client: TestClient) -> None:
    ticket_id = open_ticket(client, user_id="u-7")
    body = client.get(f"/api/tickets/{ticket_id}", headers=AUTH).json()
    assert body["id"] == ticket_id and body["status"] == "new" and body["priority"] == "high"
    assert [e["kind"] for e in body["events"]] == ["created"]
    listed = client.get("/api/tickets", params={"user_id": "u-7"}, headers=AUTH).json()
    assert [t["id"] for t in listed["tickets"]] == [ticket_id]
    changed = client.patch(
        f"/api/tickets/{ticket_id}",
        json={"status": "in_progress", "note": "looking at the broker logs"},
        headers=AUTH,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["status"] == "in_progress" and body["first_responded_at"] is not None
    assert [e["kind"] for e in body["events"]] == ["created", "status_change", "note"]


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    ticket_id = open_ticket(client)
    cases = [
        (client.get("/api/tickets/TKT-12", headers=AUTH), 422, "invalid_ticket_id"),
        (client.get("/api/tickets/TKT-999999", headers=AUTH), 404, "ticket_not_found"),
        (client.get("/api/tickets", headers=AUTH), 422, "missing_field"),
        (
            client.patch(f"/api/tickets/{ticket_id}", json={"status": "closed"}, headers=AUTH),
            409,
            "invalid_transition",
        ),
        (client.patch(f"/api/tickets/{ticket_id}", json={}, headers=AUTH), 422, None),
        (
            client.patch(f"/api/tickets/{ticket_id}", json={"status": "done"}, headers=AUTH),
            422,
            None,
        ),
        (
            client.patch(
                f"/api/tickets/{ticket_id}",
                content=b"{not json",
                headers={**AUTH, "content-type": "application/json"},
            ),
            400,
            "invalid_json",
        ),
    ]
    for response, status, error in cases:
        assert response.status_code == status, response.text
        assert "detail" in response.json()
        if error:
            assert response.json()["error"] == error


def test_sla_report_counts_per_priority(client: TestClient) -> None:
    open_ticket(client, "a", priority="critical")
    open_ticket(client, "b", priority="low")
    report = client.get("/api/reports/sla", headers=AUTH).json()
    assert report["priorities"]["critical"]["tickets"] == 1
    assert report["priorities"]["low"]["first_response"]["open"] == 1
    assert report["overall"]["tickets"] == 2


def test_agent_api_is_off_without_a_token(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, environment="test", index_dir=tmp_path / "i")
    app = create_app(
        settings, dialogue=RecordingDialogue(), knowledge=KnowledgeBase(FixedRetriever())
    )
    with TestClient(app) as client:
        response = client.get("/api/reports/sla")
    assert response.status_code == 503 and response.json()["error"] == "agent_api_disabled"


def test_the_gateway_creates_kept_ticket_requests_in_the_background(
    database_url: str, tmp_path: Path
) -> None:
    import time

    from bot.pending_tickets import PendingTickets

    spool = tmp_path / "pending.jsonl"
    PendingTickets(spool).keep(
        TicketRequest(
            channel="widget",
            sender="sender-cccccccccccccccc",
            description="kept while the database was down",
            priority="medium",
        )
    )
    settings = settings_for(
        database_url,
        tmp_path,
        pending_tickets_file=spool,
        outbound_poll_seconds=0.1,
    )
    app = create_app(
        settings, dialogue=RecordingDialogue(), knowledge=KnowledgeBase(FixedRetriever())
    )
    with TestClient(app):
        deadline = time.monotonic() + 10
        while spool.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        tickets = app.state.tickets.list_for(sender="sender-cccccccccccccccc")
    assert [t.description for t in tickets] == ["kept while the database was down"]
    assert not spool.exists()


def test_feedback_is_stored_and_summed_per_article(client: TestClient) -> None:
    about = "https://support.trading-orchestrator.com/kb/bracket-orders"
    for helpful in (True, False, False):
        response = client.post(
            "/api/feedback",
            json={"sender": "s-1234567890abcdef", "helpful": helpful, "about": about},
        )
        assert response.status_code == 201 and response.json() == {"ok": True}
    report = client.get("/api/reports/feedback", headers=AUTH).json()
    assert report["articles"] == [{"about": about, "helpful": 1, "not_helpful": 2}]
    assert client.get("/api/reports/feedback").status_code == 401


def test_bad_feedback_is_refused_clearly(client: TestClient) -> None:
    for body in (
        {"sender": "s", "helpful": "maybe"},
        {"sender": "s", "helpful": "no"},
        {"sender": "s", "helpful": 0},
        {"sender": "s", "helpful": True, "about": "../../etc/passwd"},
        {"helpful": True},
        {"sender": "s", "helpful": True, "ticket_id": "TKT-1"},
        {"sender": "s", "helpful": True, "about": "x" * 301},
        {"sender": "s", "helpful": True, "surprise": 1},
    ):
        response = client.post("/api/feedback", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"] and response.json()["detail"]


def test_a_non_ascii_token_is_refused_not_crashed(client: TestClient) -> None:
    response = client.get("/api/reports/sla", headers={"Authorization": b"Bearer \xe9t\xe9"})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
