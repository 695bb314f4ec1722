# Day Trading Orchestrator support assistant. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311 ?= $(shell command -v python3.11 2>/dev/null || ls -d $$(pyenv root 2>/dev/null)/versions/3.11.*/bin/python3.11 2>/dev/null | tail -1)
PY310 ?= $(shell ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10 2>/dev/null | tail -1 || true)
ifeq ($(PY310),)
PY310 := $(shell command -v python3.10 2>/dev/null)
endif

APP := .venv/bin/python
RASA := PYTHONPATH=$(CURDIR) .venv-rasa/bin/rasa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup encoder run stop train kb eval-kb bench-retrieval test validate test-stories eval-nlu bench lint browser clean

help: ## list every target
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

.venv/.installed: pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 not found; install it (pyenv install 3.11) and retry."; exit 1; }
	@echo "==> Creating .venv (Python 3.11) and installing the gateway (torch CPU wheel, ~1-2 min)"
	@test -x $(APP) || $(PY311) -m venv .venv
	@.venv/bin/pip install -q --upgrade pip
	@.venv/bin/pip install -q --progress-bar off -e '.[dev]'
	@touch $@

.venv-rasa/.installed: requirements/rasa.txt
	@test -n "$(PY310)" || { echo "Python 3.10 not found (Rasa 3.6 needs it): install it with 'pyenv install 3.10' and retry."; exit 1; }
	@echo "==> Creating .venv-rasa ($(PY310)) and installing rasa 3.6.21 (~2-3 min)"
	@test -x .venv-rasa/bin/python || $(PY310) -m venv .venv-rasa
	@.venv-rasa/bin/pip install -q --upgrade pip
	@.venv-rasa/bin/pip install -q --progress-bar off -r requirements/rasa.txt
	@touch $@

setup: .venv/.installed .venv-rasa/.installed ## create both environments (only what changed)

ONNX_ENCODER := var/onnx/all-MiniLM-L6-v2/model.onnx
$(ONNX_ENCODER): .venv/.installed tools/export_onnx.py
	@$(APP) -m tools.export_onnx --force

encoder: $(ONNX_ENCODER) ## export the sentence encoder to ONNX for Rasa's dense features

train: setup $(ONNX_ENCODER) ## train the Rasa model if data, config or domain changed
	@$(APP) -m tools.train

kb: setup ## rebuild the knowledge-base index (no Rasa retraining needed)
	@$(APP) -m tools.build_kb

run: setup $(ONNX_ENCODER) ## train if needed, start Rasa and the gateway, serve the widget on :8000
	@$(APP) -m tools.run

stop: ## stop services left running by an earlier `make run`
	@$(APP) -c "from tools.launcher import stop_leftovers as s; print('stopped:', s() or 'nothing')"

validate: setup ## rasa data validate
	@$(RASA) data validate --fail-on-warnings

test-stories: train ## Rasa test stories in tests/ (every rule)
	@$(RASA) test core --stories tests/stories --model models --out reports/rasa-core --fail-on-prediction-errors

browser: ## install Debian's chromium for the browser tests (if missing)
	@test -x /usr/bin/chromium || { echo "==> Installing chromium for browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  { echo "Could not install chromium; run 'sudo apt-get install -y chromium' and retry."; exit 1; }; }

eval-kb: setup ## retrieval quality, dense vs BM25 vs hybrid -> reports/kb.json
	@$(APP) -m retrieval.evaluate

eval-nlu: setup $(ONNX_ENCODER) ## held-out NLU evaluation -> reports/nlu.json
	@PYTHONPATH=$(CURDIR) .venv-rasa/bin/python -m nlu.evaluate

test: setup $(ONNX_ENCODER) train browser ## the whole suite: lint, rasa validate + story tests, NLU eval, pytest
	@$(MAKE) --no-print-directory lint validate test-stories eval-nlu
	@$(APP) -m pytest

lint: setup ## ruff + mypy
	@.venv/bin/ruff check .
	@.venv/bin/mypy bot retrieval actions connectors tools nlu

bench: train ## chat latency, Rasa direct vs gateway (JSON) -> reports/bench_chat.json
	@$(APP) -m bench.chat_latency

bench-retrieval: setup $(ONNX_ENCODER) ## retrieval latency/memory, torch vs ONNX, flat vs HNSW -> reports/bench_retrieval.json
	@$(APP) -m bench.retrieval

clean: ## remove generated files (models, index, databases, reports, venvs stay)
	rm -rf models var reports/rasa-core .pytest_cache .mypy_cache .ruff_cache
