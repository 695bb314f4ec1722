"""Telegram, with python-telegram-bot inside the gateway's event loop.

Webhook mode (TELEGRAM_WEBHOOK_URL set): the gateway's route hands each decoded Update to the
application's queue, as in the library's custom-webhook example. Otherwise long polling."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

from telegram import (
    Bot,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channel_state import ChannelState
from bot.conversations import ConversationPipeline, MessageRejected, unavailable_text
from bot.dialogue import DialogueUnavailable
from connectors.text_split import split_text
from retrieval.facts import SupportFacts

log = logging.getLogger(__name__)

CHANNEL = "telegram"
BUTTON_KIND = "telegram_button"
BLOCKED_KIND = "telegram_blocked"
MAX_CALLBACK_DATA_BYTES = 64
COMMAND_PAYLOADS = {"start": "/greet", "ticket": "/create_ticket"}


def help_text(facts: SupportFacts) -> str:
    return (
        "I'm the Day Trading Orchestrator support assistant. I can:\n"
        "- answer questions about orders, brokers, strategies, risk settings, the API and our "
        "support services, with the article I took the answer from;\n"
        "- open a support ticket (/ticket) and tell you its status (send its number, like "
        "TKT-000123);\n"
        "- tell you how to reach a person, and book a phone callback.\n"
        "If money is at risk right now, call the 24/7 emergency line "
        f"{facts.get('phone.emergency.display')}."
    )


def message_body(message: dict[str, Any]) -> str:
    """A Rasa message as plain text, with its sources written out (Telegram shows no custom
    payloads)."""
    text = message.get("text") or ""
    sources = (message.get("custom") or {}).get("sources") or []
    if sources:
        cited = "; ".join(f"{s['title']} ({s['url']})" for s in sources if s.get("url"))
        text = f"{text}\n\nSource: {cited}" if text else f"Source: {cited}"
    return text


def html_length(text: str) -> int:
    return len(html.escape(text, quote=False))


class TelegramChannel:
    def __init__(
        self,
        token: str,
        pipeline: ConversationPipeline,
        state: ChannelState,
        facts: SupportFacts,
        *,
        api_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        builder = Application.builder().token(token)
        if api_url:
            builder = builder.base_url(api_url.rstrip("/") + "/bot")
        if webhook_url:
            builder = builder.updater(None)  # updates arrive through the gateway's route
        self.application = builder.build()
        self._pipeline = pipeline
        self._state = state
        self._facts = facts
        self._webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self._add_handlers()

    @property
    def bot(self) -> Bot:
        return self.application.bot

    def _add_handlers(self) -> None:
        app = self.application
        app.add_handler(
            ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        app.add_handler(CommandHandler("help", self._on_help))
        app.add_handler(CommandHandler(list(COMMAND_PAYLOADS), self._on_command))
        app.add_handler(CallbackQueryHandler(self._on_button))
        # edits are not new questions; answering each edit again would repeat the conversation
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self._on_edit))
        app.add_handler(MessageHandler(filters.TEXT | filters.CAPTION, self._on_text))
        app.add_handler(MessageHandler(filters.ALL, self._on_other))
        app.add_error_handler(self._on_error)

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        if self._webhook_url:
            await self.bot.set_webhook(
                self._webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("Telegram webhook set to %s", self._webhook_url)
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.info("Telegram long polling started")

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def accept(self, data: dict[str, Any]) -> bool:
        """Queue a webhook update; False when it is a redelivery of one already queued."""
        update = Update.de_json(data, self.bot)
        first = await asyncio.to_thread(self._state.first_sighting, CHANNEL, str(update.update_id))
        if first:
            await self.application.update_queue.put(update)
        return first

    async def _on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat:
            await self._send(update.effective_chat.id, [{"text": help_text(self._facts)}])

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        await self._converse(update, COMMAND_PAYLOADS.get(command, message.text))

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await self._converse(update, message.text or message.caption or "")

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()  # stops the button's loading spinner
        payload = await asyncio.to_thread(self._state.resolve_key, BUTTON_KIND, query.data or "")
        if not payload:
            if update.effective_chat:
                await self._send(
                    update.effective_chat.id,
                    [{"text": "That button has expired. Please type your question instead."}],
                )
            return
        await self._converse(update, payload)

    async def _on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.info("ignored an edited Telegram message in chat %s", update.effective_chat)

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is None or update.effective_chat is None:
            return  # e.g. a poll or an inline query: nothing to answer
        await self._send(
            update.effective_chat.id,
            [
                {
                    "text": "Sorry, I can only read text messages. Please type your question "
                    "(you can add it as a caption to a screenshot)."
                }
            ],
        )

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
        await asyncio.to_thread(self._state.set_flag, BLOCKED_KIND, str(change.chat.id), blocked)
        log.info(
            "Telegram chat %s %s the bot", change.chat.id, "blocked" if blocked else "unblocked"
        )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    async def _converse(self, update: Update, text: str) -> None:
        chat = update.effective_chat
        user = update.effective_user
        if chat is None:
            return
        metadata: dict[str, Any] = {}
        if user and user.language_code:
            metadata["locale"] = user.language_code
        try:
            messages = await self._pipeline.handle(CHANNEL, str(chat.id), text, metadata)
        except MessageRejected as rejected:
            messages = [{"text": rejected.detail}]
        except DialogueUnavailable:
            messages = [{"text": unavailable_text(self._facts)}]
        await self._send(chat.id, messages)

    async def _send(self, chat_id: int, messages: list[dict[str, Any]]) -> None:
        blocked = await asyncio.to_thread(self._state.has_flag, BLOCKED_KIND, str(chat_id))
        if blocked:
            log.info("not sending to Telegram chat %s: it blocked the bot", chat_id)
            return
        for message in messages:
            pieces = split_text(message_body(message), MessageLimit.MAX_TEXT_LENGTH, html_length)
            markup = await self._keyboard(message.get("buttons") or [])
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                try:
                    await self.bot.send_message(
                        chat_id,
                        html.escape(piece, quote=False),
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup if last else None,
                    )
                except Forbidden:
                    await asyncio.to_thread(self._state.set_flag, BLOCKED_KIND, str(chat_id), True)
                    log.info("Telegram chat %s blocked the bot; stopped sending", chat_id)
                    return
                except TelegramError as error:
                    log.error("Telegram sendMessage to %s failed: %s", chat_id, error)
                    return

    async def _keyboard(self, buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        rows = []
        for button in buttons:
            key = await asyncio.to_thread(
                self._state.short_key, BUTTON_KIND, button["payload"], MAX_CALLBACK_DATA_BYTES
            )
            rows.append([InlineKeyboardButton(button["title"][:64], callback_data=key)])
        return InlineKeyboardMarkup(rows)
