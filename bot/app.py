"""The gateway's app factory. Collaborators are passed in; nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import yaml
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from rasa_sdk.executor import ActionExecutor

from actions.answering import build_actions
from bot.channel_state import ChannelState
from bot.conversations import ConversationPipeline, SenderRateLimit
from bot.db import create_schema, make_engine, make_session_factory
from bot.desk import SupportDesk
from bot.dialogue import DialogueClient, RasaClient, SenderLocks
from bot.errors import install_error_handlers
from bot.feedback import FeedbackStore
from bot.knowledge import KBSource, KnowledgeBase
from bot.limits import BodySizeLimit
from bot.outbound import OutboundDeliveries
from bot.pending_tickets import PendingTickets
from bot.routers import actions, channels, chat, feedback, health, kb, tickets
from bot.settings import Settings, get_settings
from bot.tickets import TicketService
from bot.transcripts import TranscriptStore
from connectors.oncall import EmailNotifier, OnCallNotifier, SlackWebhookNotifier
from connectors.phone import PhoneCallbacks, TwilioPhoneCallbacks
from connectors.slack import SlackChannel
from connectors.telegram import TelegramChannel
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.facts import SupportFacts
from retrieval.onnx_encoder import OnnxMiniLM

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 256 * 1024

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    dialogue: DialogueClient | None = None,
    knowledge: KnowledgeBase | None = None,
    make_encoder: Callable[[], Encoder] = MiniLMEncoder,
    phone: PhoneCallbacks | None = None,
    notifiers: list[OnCallNotifier] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """`knowledge` given → used as is; otherwise the KB index is loaded in the background.
    `phone` and `notifiers` default to what the settings configure."""
    engine = make_engine(settings.database_url)
    create_schema(engine)
    dialogue = dialogue or RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    load_knowledge = knowledge is None
    knowledge = knowledge or KnowledgeBase()
    facts = SupportFacts.load(settings.support_facts_file)
    clock = clock or settings_clock(settings)
    sessions = make_session_factory(engine)
    tickets_service = TicketService(sessions, facts, clock)
    pending_tickets = PendingTickets(settings.pending_tickets_file)
    outbound = OutboundDeliveries(
        sessions,
        phone=phone if phone is not None else phone_from_settings(settings),
        notifiers=notifiers if notifiers is not None else notifiers_from_settings(settings),
        clock=clock,
        retry_base_seconds=settings.outbound_retry_base_seconds,
    )
    desk = SupportDesk(tickets_service, pending_tickets, outbound, clock)

    executor = ActionExecutor()
    for action in build_actions(
        facts, lambda: knowledge.retriever, settings.answer_min_score, desk
    ):
        executor.register_action(action)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if load_knowledge:
            source = KBSource(
                settings.kb_dir,
                settings.index_dir,
                make_encoder,
                settings.search_options(),
                settings.kb_index_type,
            )
            knowledge.load_in_background(source, settings.kb_watch_seconds)
        for channel in (telegram, slack):
            if channel is not None:
                await start_channel(channel)
        deliveries = asyncio.create_task(
            outbound.run_forever(settings.outbound_poll_seconds, pending_tickets, tickets_service)
        )
        yield
        deliveries.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await deliveries
        for channel in (telegram, slack):
            if channel is not None:
                await channel.stop()
        knowledge.stop()
        await dialogue.aclose()
        engine.dispose()

    app = FastAPI(title="Support assistant gateway", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.transcripts = TranscriptStore(sessions)
    app.state.tickets = tickets_service
    app.state.feedback = FeedbackStore(sessions)
    app.state.pending_tickets = pending_tickets
    app.state.outbound = outbound
    app.state.desk = desk
    app.state.dialogue = dialogue
    app.state.conversations = ConversationPipeline(
        transcripts=app.state.transcripts,
        dialogue=dialogue,
        sender_locks=SenderLocks(),
        payload_intents=domain_intents(settings.domain_file),
        rate_limit=SenderRateLimit(settings.rate_limit_messages, settings.rate_limit_seconds),
        max_message_chars=settings.max_message_chars,
    )
    app.state.knowledge = knowledge
    app.state.action_executor = executor

    channel_state = ChannelState(sessions)
    telegram = (
        TelegramChannel(
            settings.telegram_bot_token,
            app.state.conversations,
            channel_state,
            facts,
            api_url=settings.telegram_api_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=settings.telegram_webhook_secret,
        )
        if settings.telegram_bot_token
        else None
    )
    slack = (
        SlackChannel(
            settings.slack_bot_token,
            settings.slack_signing_secret,
            app.state.conversations,
            channel_state,
            facts,
            api_url=settings.slack_api_url,
        )
        if settings.slack_bot_token and settings.slack_signing_secret
        else None
    )
    app.state.telegram = telegram
    app.state.slack = slack

    install_error_handlers(app)

    # Rasa's action calls carry the whole conversation, so only the public API is capped
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, path_prefix="/api/")

    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(kb.router)
    app.include_router(actions.router)
    app.include_router(tickets.router)
    app.include_router(channels.router)
    app.include_router(feedback.router)
    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="widget")
    return app


def domain_intents(domain_file: Path) -> frozenset[str]:
    """Intents a button payload may name: the domain's own, not Rasa's built-in /restart etc."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    return frozenset(str(intent) for intent in domain.get("intents", []))


async def start_channel(channel: TelegramChannel | SlackChannel) -> None:
    """A channel whose far end is unreachable at start-up is logged, not fatal: the widget
    and the other channel keep working."""
    try:
        await channel.start()
    except Exception:
        log.exception("could not start the %s channel", type(channel).__name__)


def settings_clock(settings: Settings) -> Callable[[], datetime]:
    """The real clock, or a fixed instant when SUPPORT_CLOCK is set (tests and demos of the
    hours-dependent replies)."""
    fixed = settings.support_clock
    if fixed is None:
        return lambda: datetime.now(UTC)
    return lambda: fixed


def phone_from_settings(settings: Settings) -> PhoneCallbacks | None:
    """A Twilio-compatible API when configured; None means callbacks queue for agents."""
    if not (
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number
    ):
        return None
    return TwilioPhoneCallbacks(
        settings.twilio_api_url,
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from_number,
    )


def notifiers_from_settings(settings: Settings) -> list[OnCallNotifier]:
    """Every configured on-call target; none means notifications are kept in the database."""
    notifiers: list[OnCallNotifier] = []
    if settings.oncall_slack_webhook_url:
        notifiers.append(SlackWebhookNotifier(settings.oncall_slack_webhook_url))
    if settings.smtp_host and settings.oncall_emails:
        notifiers.append(
            EmailNotifier(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_sender,
                settings.oncall_emails,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_starttls,
            )
        )
    return notifiers


def encoder_factory(settings: Settings) -> Callable[[], Encoder]:
    def make() -> Encoder:
        if settings.kb_encoder == "onnx":
            try:
                return OnnxMiniLM()
            except FileNotFoundError as error:
                log.warning("%s; using the torch encoder instead", error)
        return MiniLMEncoder()

    return make


def create_app_from_environment() -> FastAPI:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    return create_app(settings, make_encoder=encoder_factory(settings))
