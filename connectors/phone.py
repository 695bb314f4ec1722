"""Phone callbacks: normalising the number a user typed and asking a provider to call it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol
from xml.sax.saxutils import escape

import httpx
import phonenumbers

from connectors.base import ConnectorError, is_retryable_status

# digits with spaces, dashes and brackets, optionally after a leading +; letters are refused
# because phonenumbers would silently turn a vanity number like 1-800-TRADING into digits
_TYPED_NUMBER = re.compile(r"\+?[0-9 ()\-]+")
# longest formatted number worth parsing (15 digits plus generous punctuation)
_MAX_TYPED_LENGTH = 40
# numbers support does not call: they cost the company per minute or reach no person
NOT_CALLED_BACK = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    }
)


def to_e164(raw: str, default_region: str = "US") -> str | None:
    """The number in E.164 form (+14155552671) when it is a valid phone number, else None."""
    typed = raw.strip()
    if len(typed) > _MAX_TYPED_LENGTH or not _TYPED_NUMBER.fullmatch(typed):
        return None
    try:
        number = phonenumbers.parse(typed, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) in NOT_CALLED_BACK:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class CallbackCall:
    to_number: str
    ticket_id: str | None
    reason: str


class PhoneCallbacks(Protocol):
    name: str

    def place_call(self, call: CallbackCall) -> str:
        """Ask the provider to place the call; returns its call reference.
        Raises ConnectorError on failure."""
        ...


def default_twiml(ticket_id: str | None) -> str:
    """What the callee hears when they pick up."""
    about = f"ticket {ticket_id}" if ticket_id else "your support request"
    message = f"This is the Day Trading Orchestrator support callback for {about}."
    return f"<Response><Say>{escape(message)}</Say></Response>"


class TwilioPhoneCallbacks:
    """Places calls through a Twilio-compatible REST API (POST .../Calls.json)."""

    name = "twilio"

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        twiml: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._calls_url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Calls.json"
        self._auth = (account_sid, auth_token)
        self._from_number = from_number
        self._twiml = twiml
        self._timeout = timeout
        self._client = client or httpx.Client()

    def place_call(self, call: CallbackCall) -> str:
        form = {
            "To": call.to_number,
            "From": self._from_number,
            "Twiml": self._twiml or default_twiml(call.ticket_id),
        }
        try:
            response = self._client.post(
                self._calls_url, data=form, auth=self._auth, timeout=self._timeout
            )
        except httpx.TimeoutException as error:
            raise ConnectorError(
                f"Twilio did not answer in time: {type(error).__name__}"
            ) from error
        except httpx.HTTPError as error:
            raise ConnectorError(f"Twilio unreachable: {type(error).__name__}") from error
        if response.status_code not in (200, 201):
            raise ConnectorError(
                _describe_refusal(response), retryable=is_retryable_status(response.status_code)
            )
        sid = _json_object(response).get("sid")
        if not isinstance(sid, str) or not sid:
            # the call may well have been placed: retrying could ring the user twice
            raise ConnectorError(
                f"Twilio answered HTTP {response.status_code} without a call sid", retryable=False
            )
        return sid


def _describe_refusal(response: httpx.Response) -> str:
    """Status plus Twilio's error code and message, e.g. `HTTP 400 (error 21211): The 'To'...`."""
    body = _json_object(response)
    description = f"Twilio refused the call: HTTP {response.status_code}"
    if body.get("code"):
        description += f" (error {body['code']})"
    if body.get("message"):
        description += f": {body['message']}"
    return description


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object; empty when it is not one (a proxy's HTML error page, say)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class RecordingPhoneCallbacks:
    """Fake provider: records the calls it placed; the first `fail_times` attempts fail."""

    name = "recording"

    def __init__(self, fail_times: int = 0, retryable: bool = True) -> None:
        self.fail_times = fail_times
        self.retryable = retryable
        self.attempts = 0
        self.calls: list[CallbackCall] = []

    def place_call(self, call: CallbackCall) -> str:
        self.attempts += 1
        if self.attempts <= self.fail_times:
            raise ConnectorError(
                f"fake phone provider failure {self.attempts}", retryable=self.retryable
            )
        self.calls.append(call)
        return f"CA-fake-{len(self.calls)}"
