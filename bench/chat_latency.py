"""The same 200 messages sent sequentially to Rasa's REST channel directly and through the
gateway's POST /api/chat, interleaved in one run; prints p50/p95 for both and their ratio.

Starts its own Rasa + gateway on free ports. Usage: make bench
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from bench.stats import summary_ms
from tools import launcher
from tools.paths import REPORTS_DIR, ROOT
from tools.train import train_if_changed

MESSAGES = 200
WARM_UP = 10


def sample_messages(count: int) -> list[str]:
    texts = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            texts += [
                line[2:].strip()
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            ]
    return random.Random(7).sample(texts, count)


def main() -> None:
    model = train_if_changed()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    stack = launcher.start_stack(
        model,
        launcher.free_port(),
        launcher.free_port(),
        work,
        {"DATABASE_URL": f"sqlite:///{work / 'bench.db'}"},
    )
    rasa_url, gateway_url = stack.rasa_url, stack.gateway_url
    try:
        print("Starting Rasa and the gateway...", flush=True)
        launcher.wait_until_ready(f"{gateway_url}/readyz", stack.services, 300)
        messages = sample_messages(MESSAGES)
        direct, through_gateway = [], []
        with httpx.Client(timeout=60) as client:
            for i, text in enumerate(messages[:WARM_UP] + messages):
                started = time.perf_counter()
                client.post(
                    f"{rasa_url}/webhooks/rest/webhook",
                    json={"sender": f"direct-{i % 20}", "message": text},
                ).raise_for_status()
                direct_s = time.perf_counter() - started
                started = time.perf_counter()
                client.post(
                    f"{gateway_url}/api/chat", json={"sender": f"gw-{i % 20}", "message": text}
                ).raise_for_status()
                gateway_s = time.perf_counter() - started
                if i >= WARM_UP:
                    direct.append(direct_s)
                    through_gateway.append(gateway_s)
                if i % 50 == 0:
                    print(f"  {i}/{MESSAGES + WARM_UP} messages", flush=True)
        rasa_stats, gateway_stats = summary_ms(direct), summary_ms(through_gateway)
        result = {
            "benchmark": "chat_latency",
            "messages": MESSAGES,
            "sequential": True,
            "rasa_rest_direct": rasa_stats,
            "gateway_api_chat": gateway_stats,
            "ratio_gateway_over_direct": {
                "p50": round(gateway_stats["p50_ms"] / rasa_stats["p50_ms"], 2),
                "p95": round(gateway_stats["p95_ms"] / rasa_stats["p95_ms"], 2),
            },
        }
        REPORTS_DIR.mkdir(exist_ok=True)
        (REPORTS_DIR / "bench_chat.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
