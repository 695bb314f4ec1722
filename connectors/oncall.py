"""Telling the on-call team about an escalated ticket: Slack incoming webhook or e-mail."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import httpx

from connectors.base import ConnectorError, is_retryable_status

# Slack refuses a section block whose text is longer than this (invalid_blocks)
_SLACK_SECTION_LIMIT = 3000
_SLACK_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


@dataclass(frozen=True)
class OnCallAlert:
    ticket_id: str
    priority: str
    subject: str
    summary: str
    channel: str
    sender: str
    reason: str | None = None

    def text(self) -> str:
        """The alert as plain text, one fact a line."""
        lines = [
            f"Ticket {self.ticket_id} [{self.priority.upper()}]: {self.subject}",
            f"Summary: {self.summary}",
            f"Channel: {self.channel}",
            f"Sender: {self.sender}",
        ]
        if self.reason:
            lines.append(f"Escalation reason: {self.reason}")
        return "\n".join(lines)


class OnCallNotifier(Protocol):
    name: str

    def notify(self, alert: OnCallAlert) -> str:
        """Deliver the alert; returns a delivery reference. Raises ConnectorError on failure."""
        ...


def slack_escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so user text cannot inject links
    or mentions such as <!channel>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate_escaped(text: str, limit: int) -> str:
    """Shorten already-escaped text to `limit` characters without cutting an entity in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    last_ampersand = cut.rfind("&")
    if last_ampersand > cut.rfind(";"):
        cut = cut[:last_ampersand]
    return cut + "…"


class SlackWebhookNotifier:
    """Posts the alert to a Slack incoming webhook. The webhook URL is a secret: it never
    appears in error messages."""

    name = "slack"

    def __init__(
        self, webhook_url: str, timeout: float = 10.0, client: httpx.Client | None = None
    ) -> None:
        self._webhook_url = webhook_url
        self._timeout = timeout
        self._client = client or httpx.Client()

    def notify(self, alert: OnCallAlert) -> str:
        text = slack_escape(alert.text())
        section = {"type": "mrkdwn", "text": _truncate_escaped(text, _SLACK_SECTION_LIMIT)}
        payload = {"text": text, "blocks": [{"type": "section", "text": section}]}
        # errors are raised `from None`: httpx's exceptions carry the request, so the secret URL
        try:
            response = self._client.post(self._webhook_url, json=payload, timeout=self._timeout)
        except httpx.TimeoutException as error:
            raise ConnectorError(
                f"Slack webhook did not answer in time: {type(error).__name__}"
            ) from None
        except httpx.HTTPError as error:
            raise ConnectorError(f"Slack webhook unreachable: {type(error).__name__}") from None
        if response.status_code != 200:
            raise ConnectorError(
                f"Slack webhook answered HTTP {response.status_code}: {_slack_error(response)}",
                retryable=is_retryable_status(response.status_code),
            )
        if response.text != "ok":
            raise ConnectorError(
                f"Slack webhook answered HTTP 200 but not ok: {_slack_error(response)}",
                retryable=False,
            )
        # incoming webhooks give no message id to refer to
        return "slack:ok"


def _slack_error(response: httpx.Response) -> str:
    """Slack's error code (no_service, invalid_payload…). Any other body is left out: a proxy's
    error page may quote the request path, which holds the webhook's secret."""
    body = response.text.strip()
    return body if _SLACK_ERROR_CODE.fullmatch(body) else "(body not shown)"


class EmailNotifier:
    """Sends the alert by SMTP; returns the Message-ID."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: list[str],
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._recipients = list(recipients)
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def notify(self, alert: OnCallAlert) -> str:
        message = self._message(alert)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password or "")
                # recipients refused while others accepted are not an error: the alert got out
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            replies = error.recipients.values()
            raise ConnectorError(
                f"SMTP server refused every recipient: {_smtp_replies(replies)}",
                retryable=all(_is_temporary(code) for code, _ in replies),
            ) from error
        except smtplib.SMTPResponseException as error:
            raise ConnectorError(
                f"SMTP server answered {_smtp_replies([(error.smtp_code, error.smtp_error)])}",
                retryable=_is_temporary(error.smtp_code),
            ) from error
        except smtplib.SMTPServerDisconnected as error:
            raise ConnectorError(f"SMTP server disconnected: {error}") from error
        except smtplib.SMTPException as error:
            # e.g. STARTTLS or AUTH not offered: a configuration problem, not a passing one
            raise ConnectorError(f"SMTP failed: {error}", retryable=False) from error
        except ssl.SSLError as error:
            raise ConnectorError(f"SMTP TLS failed: {error}", retryable=False) from error
        except OSError as error:
            # connection refused, DNS failure, timeout
            raise ConnectorError(f"SMTP server unreachable: {type(error).__name__}") from error
        return str(message["Message-ID"])

    def _message(self, alert: OnCallAlert) -> EmailMessage:
        message = EmailMessage()
        # headers cannot hold line breaks; the subject is user-typed text
        subject = " ".join(f"[{alert.priority.upper()}] {alert.ticket_id} {alert.subject}".split())
        message["Subject"] = subject
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        # the sender's domain, not make_msgid's default hostname lookup, which can be slow
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or "localhost")
        message.set_content(alert.text())
        return message


def _is_temporary(smtp_code: int) -> bool:
    return 400 <= smtp_code < 500


def _smtp_replies(replies: Iterable[tuple[int, bytes | str]]) -> str:
    """Server replies as text, e.g. `550 5.1.1 No such user`."""
    return "; ".join(
        f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        for code, text in replies
    )


class RecordingNotifier:
    """Fake notifier: records the alerts it delivered; the first `fail_times` attempts fail."""

    name = "recording"

    def __init__(self, fail_times: int = 0, retryable: bool = True) -> None:
        self.fail_times = fail_times
        self.retryable = retryable
        self.attempts = 0
        self.alerts: list[OnCallAlert] = []

    def notify(self, alert: OnCallAlert) -> str:
        self.attempts += 1
        if self.attempts <= self.fail_times:
            raise ConnectorError(f"fake notifier failure {self.attempts}", retryable=self.retryable)
        self.alerts.append(alert)
        return f"alert-fake-{len(self.alerts)}"
