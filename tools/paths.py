"""Where the project's generated files and the two environments live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
MODELS_DIR = ROOT / "models"
VAR_DIR = ROOT / "var"
RUN_DIR = VAR_DIR / "run"
REPORTS_DIR = ROOT / "reports"

# everything that changes the trained Rasa model
TRAINING_INPUTS = [
    "config.yml",
    "domain.yml",
    "data/nlu",
    "data/rules.yml",
    "data/stories.yml",
    "data/urgency",
    "nlu/minilm_featurizer.py",
    "retrieval/onnx_encoder.py",
    "retrieval/encoder.py",
    "nlu/readable.py",
    "nlu/script_guard.py",
    "nlu/urgency.py",
    "nlu/urgency_model.py",
]
