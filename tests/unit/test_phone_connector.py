"""Phone callbacks: number normalisation, and the Twilio connector against a local fake API."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from connectors.base import ConnectorError
from connectors.phone import (
    CallbackCall,
    PhoneCallbacks,
    RecordingPhoneCallbacks,
    TwilioPhoneCallbacks,
    to_e164,
)
from connectors.retry import call_with_retries
from tests.unit.local_servers import (
    FakeTwilio,
    HTTPReply,
    LocalHTTPServer,
    basic_auth,
    free_port,
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "tok-" + "f00dfeed" * 4
FROM_NUMBER = "+15005550006"
CALL = CallbackCall(to_number="+14155552671", ticket_id="TKT-000123", reason="margin call")


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("415-555-2671", "US", "+14155552671"),
        ("  +1 415 555 2671 ", "US", "+14155552671"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", "US", "+442079460958"),
        ("07911 123456", "GB", "+447911123456"),
    ],
)
def test_to_e164_accepts_typed_numbers(raw: str, region: str, expected: str) -> None:
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "123",
        "+1 555 0100",  # too short
        "(415) 555-26711234",  # too long
        "1-800-TRADING",  # vanity letters: phonenumbers would turn them into digits
        "415 555 2671 ext. 12",
        "415.555.2671 or 415.555.2672",
        "+1 415 555 2671 📞",
        "📞📞📞",
        "",
        "   ",
        "+",
        "1" * 10_000,
        "4" * 10_000 + "15 555 2671",
        "١٢٣٤٥٦٧٨٩٠",  # Arabic-Indic digits: users are asked for plain digits
        "415\n555\n2671",
    ],
)
def test_to_e164_rejects_anything_else(raw: str) -> None:
    assert to_e164(raw) is None


def test_to_e164_uses_the_default_region_for_national_numbers() -> None:
    assert to_e164("020 7946 0958", "US") is None
    assert to_e164("020 7946 0958", "GB") == "+442079460958"


@pytest.fixture
def twilio() -> FakeTwilio:
    return FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)


@pytest.fixture
def twilio_server(twilio: FakeTwilio) -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer(twilio.answer) as server:
        yield server


def connector(server: LocalHTTPServer, auth_token: str = AUTH_TOKEN) -> TwilioPhoneCallbacks:
    return TwilioPhoneCallbacks(
        base_url=server.url + "/",
        account_sid=ACCOUNT_SID,
        auth_token=auth_token,
        from_number=FROM_NUMBER,
        timeout=2.0,
    )


def test_places_a_call_and_returns_its_sid(
    twilio: FakeTwilio, twilio_server: LocalHTTPServer
) -> None:
    callbacks: PhoneCallbacks = connector(twilio_server)

    sid = callbacks.place_call(CALL)

    assert sid == "CA" + "0" * 31 + "1"
    [request] = twilio_server.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert request.headers["authorization"] == basic_auth(ACCOUNT_SID, AUTH_TOKEN)
    [form] = twilio.calls
    assert form["To"] == "+14155552671"
    assert form["From"] == FROM_NUMBER
    assert form["Twiml"] == (
        "<Response><Say>This is the Day Trading Orchestrator support callback"
        " for ticket TKT-000123.</Say></Response>"
    )


def test_twiml_escapes_xml_and_handles_a_missing_ticket(
    twilio: FakeTwilio, twilio_server: LocalHTTPServer
) -> None:
    callbacks = connector(twilio_server)

    callbacks.place_call(CallbackCall("+14155552671", ticket_id="<A&B>", reason="x"))
    callbacks.place_call(CallbackCall("+14155552671", ticket_id=None, reason="x"))

    first, second = (form["Twiml"] for form in twilio.calls)
    assert "ticket &lt;A&amp;B&gt;." in first
    assert "<A&B>" not in first
    assert "for your support request." in second


def test_custom_twiml_is_sent_as_given(twilio: FakeTwilio, twilio_server: LocalHTTPServer) -> None:
    twiml = "<Response><Dial>+15005550006</Dial></Response>"
    callbacks = TwilioPhoneCallbacks(
        twilio_server.url, ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, twiml=twiml, timeout=2.0
    )

    callbacks.place_call(CALL)

    assert twilio.calls[0]["Twiml"] == twiml


def test_bad_credentials_are_not_retryable_and_the_token_stays_secret(
    twilio: FakeTwilio, twilio_server: LocalHTTPServer
) -> None:
    wrong_token = "tok-wrong-" + "beef" * 6

    with pytest.raises(ConnectorError) as raised:
        connector(twilio_server, auth_token=wrong_token).place_call(CALL)

    error = raised.value
    assert not error.retryable
    assert "401" in str(error)
    assert "Authenticate" in str(error)
    assert wrong_token not in str(error)
    assert twilio.calls == []


def test_invalid_number_is_not_retryable_and_says_why(twilio_server: LocalHTTPServer) -> None:
    with pytest.raises(ConnectorError) as raised:
        connector(twilio_server).place_call(CallbackCall("555", "TKT-1", "x"))

    assert not raised.value.retryable
    assert "400" in str(raised.value)
    assert "21211" in str(raised.value)
    assert "is not a valid phone number" in str(raised.value)
    assert AUTH_TOKEN not in str(raised.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_overload_and_server_errors_are_retryable(
    status: int, twilio: FakeTwilio, twilio_server: LocalHTTPServer
) -> None:
    twilio.failures = [status]

    with pytest.raises(ConnectorError) as raised:
        connector(twilio_server).place_call(CALL)

    assert raised.value.retryable
    assert str(status) in str(raised.value)
    assert AUTH_TOKEN not in str(raised.value)


def test_server_down_is_retryable(twilio_server: LocalHTTPServer) -> None:
    callbacks = connector(twilio_server)
    twilio_server.stop()

    with pytest.raises(ConnectorError) as raised:
        callbacks.place_call(CALL)

    assert raised.value.retryable
    assert "unreachable" in str(raised.value)
    assert AUTH_TOKEN not in str(raised.value)


def test_a_silent_server_times_out_retryably() -> None:
    # a listening socket that never answers: the connection is accepted, the reply never comes
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        callbacks = TwilioPhoneCallbacks(
            f"http://127.0.0.1:{silent.getsockname()[1]}",
            ACCOUNT_SID,
            AUTH_TOKEN,
            FROM_NUMBER,
            timeout=0.2,
        )
        with pytest.raises(ConnectorError) as raised:
            callbacks.place_call(CALL)

    assert raised.value.retryable
    assert "in time" in str(raised.value)


def test_nothing_listening_is_retryable() -> None:
    callbacks = TwilioPhoneCallbacks(
        f"http://127.0.0.1:{free_port()}", ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, timeout=1.0
    )
    with pytest.raises(ConnectorError) as raised:
        callbacks.place_call(CALL)
    assert raised.value.retryable


def test_a_success_without_a_sid_is_not_retried() -> None:
    # the call may have been placed: a retry could ring the user twice
    html_page = HTTPReply(201, b"<html>ok</html>", "text/html")
    with LocalHTTPServer(lambda request: html_page) as server, pytest.raises(ConnectorError) as e:
        connector(server).place_call(CALL)
    assert not e.value.retryable


def test_retries_place_exactly_one_call(twilio: FakeTwilio, twilio_server: LocalHTTPServer) -> None:
    twilio.failures = [503, 503]
    slept: list[float] = []
    callbacks = connector(twilio_server)

    sid = call_with_retries(
        lambda: callbacks.place_call(CALL), attempts=4, delays=lambda n: 0.01, sleep=slept.append
    )

    assert sid.startswith("CA")
    assert len(twilio.calls) == 1
    assert len(twilio_server.requests) == 3
    assert slept == [0.01, 0.01]


def test_retries_stop_at_bad_credentials(twilio_server: LocalHTTPServer) -> None:
    callbacks = connector(twilio_server, auth_token="wrong")
    slept: list[float] = []

    with pytest.raises(ConnectorError):
        call_with_retries(
            lambda: callbacks.place_call(CALL),
            attempts=4,
            delays=lambda n: 0.01,
            sleep=slept.append,
        )

    assert len(twilio_server.requests) == 1
    assert slept == []


def test_form_body_is_url_encoded(twilio_server: LocalHTTPServer) -> None:
    connector(twilio_server).place_call(CALL)

    [request] = twilio_server.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode())["To"] == ["+14155552671"]


def test_recording_fake_records_calls_and_numbers_references() -> None:
    fake: PhoneCallbacks = RecordingPhoneCallbacks()
    second = CallbackCall("+442079460958", None, "asked for a call")

    assert fake.place_call(CALL) == "CA-fake-1"
    assert fake.place_call(second) == "CA-fake-2"
    assert isinstance(fake, RecordingPhoneCallbacks)
    assert fake.calls == [CALL, second]


def test_recording_fake_fails_as_told() -> None:
    fake = RecordingPhoneCallbacks(fail_times=2)

    for _ in range(2):
        with pytest.raises(ConnectorError) as raised:
            fake.place_call(CALL)
        assert raised.value.retryable
    assert fake.place_call(CALL) == "CA-fake-1"
    assert fake.calls == [CALL]
    assert fake.attempts == 3


def test_recording_fake_can_fail_for_good() -> None:
    fake = RecordingPhoneCallbacks(fail_times=1, retryable=False)

    with pytest.raises(ConnectorError) as raised:
        call_with_retries(lambda: fake.place_call(CALL), 3, lambda n: 0.0, lambda s: None)

    assert not raised.value.retryable
    assert fake.calls == []


def test_premium_rate_numbers_are_not_called_back() -> None:
    from connectors.phone import to_e164

    assert to_e164("+1 900 555 0100") is None
    assert to_e164("+1 212 555 0100") == "+12125550100"
