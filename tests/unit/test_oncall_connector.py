"""On-call notifiers against a local Slack webhook fake and a real local SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from connectors.base import ConnectorError
from connectors.oncall import (
    EmailNotifier,
    OnCallAlert,
    OnCallNotifier,
    RecordingNotifier,
    SlackWebhookNotifier,
)
from connectors.retry import call_with_retries
from tests.unit.local_servers import (
    FakeSlackWebhook,
    HTTPReply,
    LocalHTTPServer,
    RecordingSMTPHandler,
    free_port,
    local_smtp_server,
)

ALERT = OnCallAlert(
    ticket_id="TKT-000123",
    priority="critical",
    subject="Orders stuck in pending",
    summary="User says <script>alert(1)</script> & orders <!channel> hang",
    channel="widget",
    sender="widget:3f0c9a52",
    reason="customer reports money at risk",
)
ON_CALL = ["oncall@example.com", "lead@example.com"]


def test_alert_text_names_every_fact() -> None:
    text = ALERT.text()

    assert "TKT-000123" in text
    assert "CRITICAL" in text
    assert "Orders stuck in pending" in text
    assert ALERT.summary in text
    assert "widget" in text
    assert "customer reports money at risk" in text


def test_alert_text_without_a_reason_has_no_reason_line() -> None:
    alert = OnCallAlert("TKT-1", "high", "s", "sum", "email", "a@b.c")
    assert "reason" not in alert.text().lower()
    assert "HIGH" in alert.text()


# --- Slack ----------------------------------------------------------------------------------


@pytest.fixture
def slack() -> FakeSlackWebhook:
    return FakeSlackWebhook()


@pytest.fixture
def slack_server(slack: FakeSlackWebhook) -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer(slack.answer) as server:
        yield server


def slack_notifier(server: LocalHTTPServer, slack: FakeSlackWebhook) -> SlackWebhookNotifier:
    return SlackWebhookNotifier(server.url + slack.path, timeout=2.0)


def test_slack_posts_the_alert(slack: FakeSlackWebhook, slack_server: LocalHTTPServer) -> None:
    notifier: OnCallNotifier = slack_notifier(slack_server, slack)

    assert notifier.notify(ALERT) == "slack:ok"

    [payload] = slack.payloads
    assert "TKT-000123" in payload["text"]
    assert "CRITICAL" in payload["text"]
    [block] = payload["blocks"]
    assert block["type"] == "section"
    assert block["text"]["type"] == "mrkdwn"
    assert "Orders stuck in pending" in block["text"]["text"]
    assert slack_server.requests[0].headers["content-type"] == "application/json"


def test_slack_text_is_escaped(slack: FakeSlackWebhook, slack_server: LocalHTTPServer) -> None:
    slack_notifier(slack_server, slack).notify(ALERT)

    [payload] = slack.payloads
    for text in (payload["text"], payload["blocks"][0]["text"]["text"]):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&amp; orders &lt;!channel&gt;" in text
        assert "<" not in text
        assert ">" not in text


def test_slack_section_stays_within_slacks_limit(
    slack: FakeSlackWebhook, slack_server: LocalHTTPServer
) -> None:
    long_alert = OnCallAlert("TKT-9", "high", "s", "&" * 5000, "widget", "x")

    slack_notifier(slack_server, slack).notify(long_alert)

    section = slack.payloads[0]["blocks"][0]["text"]["text"]
    assert len(section) <= 3000
    assert section.endswith("&amp;…")  # no entity cut in half


@pytest.mark.parametrize(
    ("reply", "retryable", "shown"),
    [
        (HTTPReply(400, b"invalid_payload"), False, "invalid_payload"),
        (HTTPReply(403, b"action_prohibited"), False, "action_prohibited"),
        (HTTPReply(410, b"channel_is_archived"), False, "channel_is_archived"),
        (HTTPReply(429, b"rate_limited"), True, "429"),
        (HTTPReply(500, b"rollup_error"), True, "rollup_error"),
        (HTTPReply(503, b"<html>Service Unavailable</html>", "text/html"), True, "503"),
        (HTTPReply(200, b"not ok"), False, "200"),
    ],
)
def test_slack_errors_are_mapped(
    reply: HTTPReply,
    retryable: bool,
    shown: str,
    slack: FakeSlackWebhook,
    slack_server: LocalHTTPServer,
) -> None:
    slack.replies = [reply]

    with pytest.raises(ConnectorError) as raised:
        slack_notifier(slack_server, slack).notify(ALERT)

    assert raised.value.retryable is retryable
    assert shown in str(raised.value)
    assert slack.path not in str(raised.value)


def test_slack_unknown_webhook_is_not_retryable_and_the_url_stays_secret(
    slack: FakeSlackWebhook, slack_server: LocalHTTPServer
) -> None:
    url = slack_server.url + "/services/T0FAKE/B0FAKE/revokedToken"

    with pytest.raises(ConnectorError) as raised:
        SlackWebhookNotifier(url, timeout=2.0).notify(ALERT)

    assert not raised.value.retryable
    assert "404" in str(raised.value)
    assert "no_service" in str(raised.value)
    assert "revokedToken" not in str(raised.value)


def test_slack_error_page_quoting_the_path_is_not_repeated(slack: FakeSlackWebhook) -> None:
    def proxy_page(request: object) -> HTTPReply:
        return HTTPReply(502, f"<h1>Bad gateway for {slack.path}</h1>".encode(), "text/html")

    with LocalHTTPServer(proxy_page) as server, pytest.raises(ConnectorError) as raised:
        slack_notifier(server, slack).notify(ALERT)

    assert raised.value.retryable
    assert "502" in str(raised.value)
    assert "s3cr3tWebhookToken" not in str(raised.value)


def test_slack_down_is_retryable_and_the_url_stays_secret(
    slack: FakeSlackWebhook, slack_server: LocalHTTPServer
) -> None:
    notifier = slack_notifier(slack_server, slack)
    slack_server.stop()

    with pytest.raises(ConnectorError) as raised:
        notifier.notify(ALERT)

    error = raised.value
    assert error.retryable
    assert "unreachable" in str(error)
    assert "s3cr3tWebhookToken" not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_slack_silence_times_out_retryably() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/T/B/s3cr3t"
        with pytest.raises(ConnectorError) as raised:
            SlackWebhookNotifier(url, timeout=0.2).notify(ALERT)

    assert raised.value.retryable
    assert "s3cr3t" not in str(raised.value)


def test_slack_retries_deliver_once(slack: FakeSlackWebhook, slack_server: LocalHTTPServer) -> None:
    slack.replies = [HTTPReply(429, b"rate_limited"), HTTPReply(500, b"")]
    notifier = slack_notifier(slack_server, slack)
    slept: list[float] = []

    call_with_retries(lambda: notifier.notify(ALERT), 3, lambda n: 0.01, slept.append)

    assert len(slack.payloads) == 1
    assert slept == [0.01, 0.01]


# --- e-mail ---------------------------------------------------------------------------------


@pytest.fixture
def smtp_handler() -> RecordingSMTPHandler:
    return RecordingSMTPHandler(
        refuse={
            "gone@example.com": "550 5.1.1 No such user",
            "full@example.com": "452 4.2.2 Mailbox full, try later",
        }
    )


@pytest.fixture
def smtp_port(smtp_handler: RecordingSMTPHandler) -> Iterator[int]:
    with local_smtp_server(smtp_handler) as port:
        yield port


def email_notifier(port: int, recipients: list[str]) -> EmailNotifier:
    return EmailNotifier(
        host="127.0.0.1",
        port=port,
        sender="support-bot@dto.example",
        recipients=recipients,
        timeout=2.0,
    )


def test_email_is_delivered_to_every_recipient(
    smtp_handler: RecordingSMTPHandler, smtp_port: int
) -> None:
    notifier: OnCallNotifier = email_notifier(smtp_port, ON_CALL)

    message_id = notifier.notify(ALERT)

    [mail] = smtp_handler.mails
    assert mail.mail_from == "support-bot@dto.example"
    assert mail.rcpt_tos == ON_CALL
    message = mail.message
    assert message["Subject"] == "[CRITICAL] TKT-000123 Orders stuck in pending"
    assert message["From"] == "support-bot@dto.example"
    assert message["To"] == "oncall@example.com, lead@example.com"
    assert message["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@dto.example>")
    body = message.get_content()
    assert ALERT.summary in body  # plain text: no escaping
    assert "customer reports money at risk" in body
    assert "widget:3f0c9a52" in body


def test_email_subject_line_breaks_are_flattened(
    smtp_handler: RecordingSMTPHandler, smtp_port: int
) -> None:
    alert = OnCallAlert("TKT-7", "high", "Hi\r\nBcc: victim@example.com", "s", "widget", "x")

    email_notifier(smtp_port, ON_CALL).notify(alert)

    [mail] = smtp_handler.mails
    assert mail.message["Subject"] == "[HIGH] TKT-7 Hi Bcc: victim@example.com"
    assert mail.message["Bcc"] is None
    assert mail.rcpt_tos == ON_CALL


def test_email_refused_recipient_is_permanent(
    smtp_handler: RecordingSMTPHandler, smtp_port: int
) -> None:
    with pytest.raises(ConnectorError) as raised:
        email_notifier(smtp_port, ["gone@example.com"]).notify(ALERT)

    assert not raised.value.retryable
    assert "550" in str(raised.value)
    assert "No such user" in str(raised.value)
    assert smtp_handler.mails == []


def test_email_temporarily_refused_recipient_is_retryable(
    smtp_handler: RecordingSMTPHandler, smtp_port: int
) -> None:
    with pytest.raises(ConnectorError) as raised:
        email_notifier(smtp_port, ["full@example.com"]).notify(ALERT)

    assert raised.value.retryable
    assert "452" in str(raised.value)


def test_email_partly_refused_still_counts_as_delivered(
    smtp_handler: RecordingSMTPHandler, smtp_port: int
) -> None:
    email_notifier(smtp_port, ["gone@example.com", "oncall@example.com"]).notify(ALERT)

    [mail] = smtp_handler.mails
    assert mail.rcpt_tos == ["oncall@example.com"]


def test_email_server_down_is_retryable() -> None:
    with pytest.raises(ConnectorError) as raised:
        email_notifier(free_port(), ON_CALL).notify(ALERT)

    assert raised.value.retryable
    assert "unreachable" in str(raised.value)


def test_email_silent_server_times_out_retryably() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        notifier = EmailNotifier(
            "127.0.0.1", silent.getsockname()[1], "bot@dto.example", ON_CALL, timeout=0.2
        )
        with pytest.raises(ConnectorError) as raised:
            notifier.notify(ALERT)

    assert raised.value.retryable


def test_email_login_without_server_auth_is_a_config_error(smtp_port: int) -> None:
    notifier = EmailNotifier(
        "127.0.0.1",
        smtp_port,
        "bot@dto.example",
        ON_CALL,
        username="bot",
        password="hunter2-secret",
        timeout=2.0,
    )

    with pytest.raises(ConnectorError) as raised:
        notifier.notify(ALERT)

    assert not raised.value.retryable
    assert "hunter2-secret" not in str(raised.value)


def test_email_starttls_not_offered_is_a_config_error(smtp_port: int) -> None:
    notifier = EmailNotifier(
        "127.0.0.1", smtp_port, "bot@dto.example", ON_CALL, starttls=True, timeout=2.0
    )

    with pytest.raises(ConnectorError) as raised:
        notifier.notify(ALERT)

    assert not raised.value.retryable


# --- recording fake -------------------------------------------------------------------------


def test_recording_notifier_records_alerts() -> None:
    fake: OnCallNotifier = RecordingNotifier()

    assert fake.notify(ALERT) == "alert-fake-1"
    assert isinstance(fake, RecordingNotifier)
    assert fake.alerts == [ALERT]


def test_recording_notifier_fails_as_told() -> None:
    fake = RecordingNotifier(fail_times=1)

    with pytest.raises(ConnectorError) as raised:
        fake.notify(ALERT)
    assert raised.value.retryable
    assert fake.alerts == []

    assert fake.notify(ALERT) == "alert-fake-1"
    assert fake.alerts == [ALERT]


def test_recording_notifier_permanent_failure_is_not_retried() -> None:
    fake = RecordingNotifier(fail_times=5, retryable=False)

    with pytest.raises(ConnectorError):
        call_with_retries(lambda: fake.notify(ALERT), 5, lambda n: 0.0, lambda s: None)

    assert fake.attempts == 1
