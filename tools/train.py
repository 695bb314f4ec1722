"""Train the Rasa model only when its inputs changed (content hash); otherwise reuse it.

Usage: python tools/train.py            # prints the model path
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from tools.export_onnx import EXPORT_DIR
from tools.paths import MODELS_DIR, RASA_BIN, ROOT, TRAINING_INPUTS

ONNX_MODEL = EXPORT_DIR / "model.onnx"


def training_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for entry in TRAINING_INPUTS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not file.exists() or "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path_for(content_hash: str) -> Path:
    return MODELS_DIR / f"dto-{content_hash}.tar.gz"


def train_if_changed() -> Path:
    model = model_path_for(training_hash())
    if model.exists():
        print(f"Rasa model is up to date: {model.relative_to(ROOT)}", flush=True)
        return model
    if not RASA_BIN.exists():
        sys.exit("The Rasa environment is missing; run `make setup` first.")
    if not ONNX_MODEL.exists():
        sys.exit(f"{ONNX_MODEL} is missing; run `make encoder` first (make run and make test do).")
    print(
        "Training the Rasa model (data, config or domain changed); this takes 1-3 minutes...",
        flush=True,
    )
    started = time.monotonic()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    command = [
        str(RASA_BIN),
        "train",
        "--force",
        "--out",
        str(MODELS_DIR),
        "--fixed-model-name",
        model.name.removesuffix(".tar.gz"),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode != 0 or not model.exists():
        sys.exit("Training failed; the messages above say why. Fix what they name and run again.")
    print(f"Trained {model.relative_to(ROOT)} in {time.monotonic() - started:.0f} s", flush=True)
    for old in MODELS_DIR.glob("dto-*.tar.gz"):
        if old != model:
            old.unlink()
    return model


if __name__ == "__main__":
    train_if_changed()
