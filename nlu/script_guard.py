"""Marks messages the English model cannot read (emoji only, non-Latin scripts) as a fallback.

Without it the intent model still picks its nearest intent with high confidence for text it
has no features for (emoji are dropped by the tokenizer; a Chinese sentence is one unknown
token), and the user gets an answer to a question they did not ask.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from nlu.readable import is_readable


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ScriptGuard(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ScriptGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get("text") or ""
            if text.startswith("/") or is_readable(text):
                continue
            message.set("intent", {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True)
        return messages
