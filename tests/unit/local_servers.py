"""Real servers on 127.0.0.1 for the connector tests: a scriptable HTTP server, fakes of the
Twilio Calls API and of a Slack incoming webhook on top of it, and an SMTP server."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class HTTPRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class HTTPReply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain"

    @classmethod
    def json(cls, status: int, content: dict[str, Any]) -> HTTPReply:
        return cls(status, json.dumps(content).encode(), "application/json")


class LocalHTTPServer:
    """An HTTP server in a background thread; `answer` builds the reply to each request.
    HTTP/1.0, so no connection outlives a request and `stop()` really takes the server down."""

    def __init__(self, answer: Callable[[HTTPRequest], HTTPReply]) -> None:
        self.requests: list[HTTPRequest] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = HTTPRequest(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                recorded.append(request)
                reply = answer(request)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHTTPServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread.is_alive():
            self.stop()


def basic_auth(username: str, password: str) -> str:
    """The Authorization header value of HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@dataclass
class FakeTwilio:
    """Answers like Twilio's Calls API: checks the path, basic auth and form fields.
    `failures` holds statuses to answer (in order) before it accepts calls again."""

    account_sid: str
    auth_token: str
    failures: list[int] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)

    def answer(self, request: HTTPRequest) -> HTTPReply:
        if request.path != f"/2010-04-01/Accounts/{self.account_sid}/Calls.json":
            return HTTPReply.json(404, {"code": 20404, "message": "Not Found", "status": 404})
        if request.headers.get("authorization") != basic_auth(self.account_sid, self.auth_token):
            return HTTPReply.json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.failures:
            status = self.failures.pop(0)
            return HTTPReply.json(status, {"code": 20500, "message": "Service unavailable"})
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            return HTTPReply.json(400, {"code": 20001, "message": "Expected a form body"})
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        missing = [name for name in ("To", "From", "Twiml") if not form.get(name)]
        if missing:
            return HTTPReply.json(400, {"code": 21201, "message": f"Missing {missing}"})
        if not re.fullmatch(r"\+[1-9][0-9]{6,14}", form["To"]):
            message = f"The 'To' number {form['To']} is not a valid phone number."
            return HTTPReply.json(400, {"code": 21211, "message": message, "status": 400})
        self.calls.append(form)
        sid = f"CA{len(self.calls):032x}"
        return HTTPReply.json(201, {"sid": sid, "status": "queued", "to": form["To"]})


@dataclass
class FakeSlackWebhook:
    """Answers like a Slack incoming webhook at `path`; records the JSON payloads it accepted.
    `replies` holds replies to give (in order) before answering 200 `ok` again."""

    path: str = "/services/T0FAKE/B0FAKE/s3cr3tWebhookToken"
    replies: list[HTTPReply] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: HTTPRequest) -> HTTPReply:
        if request.method != "POST" or request.path != self.path:
            return HTTPReply(404, b"no_service")
        if self.replies:
            return self.replies.pop(0)
        try:
            payload = json.loads(request.body)
        except ValueError:
            return HTTPReply(400, b"invalid_payload")
        if not isinstance(payload, dict) or not payload.get("text"):
            return HTTPReply(400, b"no_text")
        self.payloads.append(payload)
        return HTTPReply(200, b"ok")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class RecordingSMTPHandler:
    """aiosmtpd handler that keeps every message; `refuse` maps a recipient address to the
    reply that refuses it, e.g. "550 5.1.1 No such user"."""

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.refuse = refuse or {}
        self.mails: list[ReceivedMail] = []

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = cast(bytes, envelope.original_content)
        message = cast(EmailMessage, message_from_bytes(content, policy=policy.default))
        self.mails.append(ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at least right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_smtp_server(handler: RecordingSMTPHandler) -> Iterator[int]:
    """Runs an SMTP server with `handler` on 127.0.0.1; yields its port."""
    # aiosmtpd's Controller cannot listen on port 0, so pick a free port first
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
