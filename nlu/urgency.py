"""Rasa graph component adding `urgency: {name, confidence}` to every parsed message."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import urgency_model
from nlu.urgency_model import UrgencyModel

log = logging.getLogger(__name__)

MODEL_FILE = "urgency.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UrgencyClassifier(GraphComponent):
    """Trained from its own labelled file (`training_file`), not from the intent examples."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "training_file": "data/urgency/urgency.yml",
            "target_critical_recall": 0.95,
            "min_critical_threshold": 0.15,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: UrgencyModel | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UrgencyClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = urgency_model.load_examples(Path(self._config["training_file"]))
        self._model = urgency_model.train(
            texts,
            labels,
            target_recall=self._config["target_critical_recall"],
            floor=self._config["min_critical_threshold"],
        )
        log.info(
            "urgency model trained on %d examples; critical threshold %.2f",
            len(texts),
            self._model.critical_threshold,
        )
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UrgencyClassifier:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        texts = [message.get("text") or "" for message in messages]
        for message, (name, confidence) in zip(messages, self._model.predict(texts), strict=True):
            message.set(
                "urgency", {"name": name, "confidence": round(confidence, 4)}, add_to_output=True
            )
        return messages
