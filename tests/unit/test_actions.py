import tempfile
from pathlib import Path
from typing import Any

from actions.answering import channels_asked_open
from tests.action_calls import FACTS, ActionRunner, Clock, make_desk, user_event
from tests.fakes import FixedRetriever, passage

_WORK = Path(tempfile.mkdtemp(prefix="actions-test-"))
DESK, _, _ = make_desk(f"sqlite:///{_WORK / 'desk.db'}", _WORK / "spool.jsonl", Clock())


def run(
    action: str, events: list[dict[str, Any]], retriever: FixedRetriever | None
) -> dict[str, Any]:
    runner = ActionRunner(DESK, retriever)  # type: ignore[arg-type]
    for event in events:
        runner.say(event)
    return runner.run(action)


def test_critical_problem_gets_the_emergency_line_from_the_facts() -> None:
    retriever = FixedRetriever([passage("Orders", 0.9)])
    events = [
        user_event(
            "my stop loss didn't trigger and I'm losing money", "troubleshooting", "critical"
        )
    ]
    message = run("action_answer_question", events, retriever)["responses"][0]
    assert FACTS.get("phone.emergency.display") in message["text"]
    assert FACTS.get("phone.emergency_sms") in message["text"]
    assert {b["payload"] for b in message["buttons"]} >= {"/request_human", "/request_callback"}
    assert message["custom"]["urgency"] == "critical"
    assert retriever.queries == []  # no KB detour while money is at risk


def test_good_passage_is_answered_with_its_source() -> None:
    retriever = FixedRetriever(
        [passage("Phone hours", 0.8, "**Weekdays**: 8-8"), passage("Live chat", 0.6)]
    )
    message = run(
        "action_answer_question", [user_event("phone hours?", "general_question")], retriever
    )["responses"][0]
    assert message["text"] == "Phone hours\nWeekdays: 8-8"
    assert message["custom"]["sources"] == [
        {
            "title": "Phone hours",
            "url": "https://docs.trading-orchestrator.com/phone-hours",
            "score": 0.8,
        }
    ]
    assert [b["title"] for b in message["buttons"]] == ["Live chat"]
    assert retriever.queries == ["phone hours?"]


def test_low_score_gets_an_honest_no_answer_with_ticket_and_human() -> None:
    retriever = FixedRetriever([passage("Something", 0.2)])
    message = run("action_answer_question", [user_event("quantum flux?", "how_to")], retriever)[
        "responses"
    ][0]
    assert "don't have an answer" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/create_ticket", "/request_human"]
    assert message["custom"]["answered"] is False


def test_button_payload_reuses_the_words_the_user_typed() -> None:
    retriever = FixedRetriever([passage("Phone hours", 0.8)])
    events = [
        user_event("when can I call you", "nlu_fallback"),
        user_event("/general_question", "general_question"),
    ]
    run("action_answer_question", events, retriever)
    assert retriever.queries == ["when can I call you"]


def test_kb_still_loading_is_said_plainly() -> None:
    message = run("action_answer_question", [user_event("phone hours?", "general_question")], None)[
        "responses"
    ][0]
    assert "still loading" in message["text"]


def test_first_miss_offers_the_two_likeliest_intents() -> None:
    events = [
        user_event(
            "hmm the thing",
            "nlu_fallback",
            ranking=["nlu_fallback", "how_to", "troubleshooting", "greet"],
        )
    ]
    message = run("action_clarify", events, None)["responses"][0]
    assert [b["payload"] for b in message["buttons"]] == ["/how_to", "/troubleshooting"]


def test_unreadable_text_is_told_plainly_with_regional_contacts() -> None:
    events = [user_event("我的订单被拒绝了", "nlu_fallback", ranking=["nlu_fallback", "affirm"])]
    message = run("action_clarify", events, None)["responses"][0]
    assert "only read English" in message["text"]
    assert FACTS.get("regional_centers.asia_pacific.phone") in message["text"]
    assert FACTS.get("phone.emergency.display") in message["text"]


def test_small_talk_is_never_suggested_as_a_guess() -> None:
    events = [
        user_event(
            "asdf",
            "nlu_fallback",
            ranking=["nlu_fallback", "affirm", "goodbye", "how_to", "create_ticket"],
        )
    ]
    message = run("action_clarify", events, None)["responses"][0]
    assert [b["payload"] for b in message["buttons"]] == ["/how_to", "/create_ticket"]


def test_critical_message_that_was_not_understood_still_gets_the_emergency_line() -> None:
    events = [
        user_event(
            "someone logged into my account and placed trades",
            "nlu_fallback",
            "critical",
            ["nlu_fallback", "how_to"],
        )
    ]
    message = run("action_clarify", events, None)["responses"][0]
    assert FACTS.get("phone.emergency.display") in message["text"]


def test_second_miss_in_a_row_offers_a_ticket_or_a_human() -> None:
    events = [
        user_event("hmm the thing", "nlu_fallback", ranking=["nlu_fallback", "how_to"]),
        user_event("the other thing", "nlu_fallback", ranking=["nlu_fallback", "how_to"]),
    ]
    message = run("action_clarify", events, None)["responses"][0]
    assert [b["payload"] for b in message["buttons"]] == ["/create_ticket", "/request_human"]


def test_request_human_states_real_contact_routes() -> None:
    message = run("action_request_human", [user_event("agent pls", "request_human")], None)[
        "responses"
    ][0]
    assert FACTS.get("phone.primary.display") in message["text"]
    assert FACTS.get("phone.hours.business.text") in message["text"]
    assert FACTS.get("phone.emergency.display") in message["text"]
    assert "can't hand this chat over" in message["text"]


def test_help_with_this_page_lists_the_screens_articles_and_guide() -> None:
    retriever = FixedRetriever([passage("Daily loss limit", 1.0), passage("Position limits", 1.0)])
    events = [user_event("help with this page", "how_to", screen="risk_settings")]
    message = run("action_answer_question", events, retriever)["responses"][0]
    assert "risk settings" in message["text"]
    assert FACTS.get("docs.contextual_help.risk_settings") in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Daily loss limit", "Position limits"]
    assert retriever.queries == []


def test_current_screen_is_passed_to_search() -> None:
    retriever = FixedRetriever([passage("Daily loss limit", 0.8)])
    run(
        "action_answer_question",
        [user_event("where is the loss limit", "configuration", screen="risk_settings")],
        retriever,
    )
    assert retriever.screens == ["risk_settings"]


def test_a_question_about_support_flagged_critical_pages_nobody_but_shows_the_line() -> None:
    retriever = FixedRetriever([passage("Live chat hours", 0.8, "Business hours")])
    events = [user_event("is live chat open now?", "general_question", "critical")]
    result = run("action_answer_question", events, retriever)
    message = result["responses"][0]
    assert message["text"].startswith("If money is at risk right now")
    assert FACTS.get("phone.emergency.display") in message["text"]
    assert "Live chat hours" in message["text"]
    assert message["custom"]["answered"] is True and "ticket_id" not in message["custom"]
    assert retriever.queries == ["is live chat open now?"]


def test_is_it_open_now_is_answered_for_this_moment_and_the_users_plan() -> None:
    retriever = FixedRetriever([passage("Live chat support", 0.7, "Business hours")])
    events = [user_event("is live chat open now?", "general_question", support_tier="gold")]
    text = run("action_answer_question", events, retriever)["responses"][0]["text"]
    # the test clock is Saturday noon in New York
    assert text.startswith(
        "Right now: Live chat (Monday-Friday, 8 AM - 10 PM Eastern) is closed now; it opens "
        "Monday at 8:00 AM Eastern."
    )
    assert "Live chat support" in text
    events = [user_event("can I call you right now?", "general_question", support_tier="silver")]
    text = run("action_answer_question", events, retriever)["responses"][0]["text"]
    assert text.startswith("Right now: Phone (Silver plan)") and "closed now" in text
    assert "Live chat (" not in text


def test_only_questions_about_being_open_now_get_the_live_status() -> None:
    assert channels_asked_open("what are your phone hours") == ()
    assert channels_asked_open("is phone support open right now?") == ("phone",)
    assert channels_asked_open("is live chat available at the moment") == ("live_chat",)
    assert channels_asked_open("are you open now?") == ("live_chat", "phone")
    retriever = FixedRetriever([passage("Stuck orders", 0.7)])
    events = [user_event("my order is still open now", "troubleshooting")]
    text = run("action_answer_question", events, retriever)["responses"][0]["text"]
    assert "Right now" not in text
