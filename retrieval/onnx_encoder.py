"""all-MiniLM-L6-v2 under onnxruntime + tokenizers: no torch needed, so it runs in Rasa's
environment too. Export the model first with `make encoder` (tools/export_onnx.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval.encoder import MODEL_NAME

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "onnx" / "all-MiniLM-L6-v2"
MAX_WORD_PIECES = 256

Encoded = tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]


class OnnxMiniLM:
    # same model and same vectors as the torch encoder, so an index built by either serves both
    name = MODEL_NAME
    dimension = 384

    def __init__(self, model_dir: Path = DEFAULT_DIR, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not (model_dir / "model.onnx").exists():
            raise FileNotFoundError(
                f"{model_dir / 'model.onnx'} is missing; run `make encoder` (make run and make "
                "test do it) to export the sentence encoder"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_WORD_PIECES)
        self._tokenizer.enable_padding()

    def run(self, texts: list[str]) -> list[Encoded]:
        """Per text: word-piece states [n, 384], the sentence vector [384], word-piece spans."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        states = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        results = []
        for row, encoding in enumerate(encodings):
            length = int(mask[row].sum())
            pieces = states[row, :length]
            sentence = pieces.mean(axis=0)  # mean pooling + L2 norm, as sentence-transformers does
            sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
            results.append((pieces, sentence, list(encoding.offsets[:length])))
        return results

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = [
            sentence
            for start in range(0, len(texts), 32)
            for _, sentence, _ in self.run(texts[start : start + 32])
        ]
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)
