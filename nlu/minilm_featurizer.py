"""Dense features from all-MiniLM-L6-v2, run with onnxruntime (Rasa's env has no torch).

Sentence feature: the model's sentence embedding (mean pooling + L2 norm, as in
sentence-transformers). Sequence features: for each whitespace token, the mean of the
word-piece states that overlap it, so they line up with the sparse featurizers' tokens.
The model is exported by `tools/export_onnx.py` (make does it before training).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from retrieval.onnx_encoder import OnnxMiniLM

BATCH_SIZE = 32


def token_features(
    pieces: np.ndarray, spans: list[tuple[int, int]], tokens: list[tuple[int, int]]
) -> np.ndarray:
    """Mean of the word-piece states overlapping each token span; zeros when none does."""
    features = np.zeros((len(tokens), pieces.shape[1]), dtype=np.float32)
    for i, (start, end) in enumerate(tokens):
        overlapping = [j for j, (s, e) in enumerate(spans) if e > s and s < end and e > start]
        if overlapping:
            features[i] = pieces[overlapping].mean(axis=0)
    return features


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_dir": "var/onnx/all-MiniLM-L6-v2",
            "threads": 1,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("MiniLMFeaturizer: threads must be at least 1")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        model_dir = Path(config["model_dir"])
        self._encoder = OnnxMiniLM(model_dir, int(config["threads"]))
        self._check_against_reference(model_dir / "reference.json")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(config, execution_context.node_name)

    def _check_against_reference(self, reference_file: Path) -> None:
        """Refuse an export whose vectors differ from sentence-transformers' own."""
        reference = json.loads(reference_file.read_text())
        encoded = self._encoder.run(reference["sentences"])
        for (_, sentence, _), expected in zip(encoded, reference["vectors"], strict=True):
            if float(np.dot(sentence, np.asarray(expected))) < 0.999:
                raise ValueError(f"{reference_file.parent}: ONNX vectors differ; re-export it")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        with_tokens = [m for m in messages if m.get(TOKENS_NAMES[TEXT]) and m.get(TEXT)]
        for start in range(0, len(with_tokens), BATCH_SIZE):
            batch = with_tokens[start : start + BATCH_SIZE]
            for message, (pieces, sentence, spans) in zip(
                batch, self._encoder.run([m.get(TEXT) for m in batch]), strict=True
            ):
                tokens = [(t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]
                self.add_features_to_message(
                    token_features(pieces, spans, tokens), sentence.reshape(1, -1), TEXT, message
                )
        return messages
