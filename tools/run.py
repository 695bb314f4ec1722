"""`make run`: start Rasa and the gateway together, wait until ready, stop both on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import time

from tools import launcher
from tools.paths import RUN_DIR
from tools.train import train_if_changed

RASA_PORT = 5005
GATEWAY_PORT = 8000


def _progress(body: dict[str, object]) -> None:
    waiting = [
        name for name, check in body.items() if isinstance(check, dict) and not check.get("ok")
    ]
    print(f"  waiting for: {', '.join(waiting) or 'gateway'}", flush=True)


def main() -> int:
    model = train_if_changed()
    stopped = launcher.stop_leftovers()
    if stopped:
        print(f"Stopped leftovers of an earlier run: {', '.join(stopped)}")
    for port in (RASA_PORT, GATEWAY_PORT):
        if not launcher.port_is_free(port) and not launcher.port_is_free(port, "0.0.0.0"):
            print(
                f"Port {port} is taken by another program. Find it with `ss -ltnp | grep :{port}` "
                "and stop it, then run `make run` again.",
                file=sys.stderr,
            )
            return 1
    paths = launcher.default_paths()
    action_url = f"http://127.0.0.1:{GATEWAY_PORT}/webhook"
    print(f"Starting Rasa on 127.0.0.1:{RASA_PORT} (log: {paths['rasa_log']})", flush=True)
    rasa = launcher.start_rasa(
        model, RASA_PORT, action_url, paths["tracker_db"], paths["rasa_log"], RUN_DIR / "rasa.pid"
    )
    print(f"Starting the gateway on :{GATEWAY_PORT} (log: {paths['gateway_log']})", flush=True)
    gateway = launcher.start_gateway(
        GATEWAY_PORT, {}, paths["gateway_log"], RUN_DIR / "gateway.pid", host="0.0.0.0"
    )
    services = [rasa, gateway]

    def shutdown(*_: object) -> None:
        print("\nStopping...", flush=True)
        for service in reversed(services):
            launcher.stop(service)
        print("Stopped.")
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        launcher.wait_until_ready(
            f"http://127.0.0.1:{GATEWAY_PORT}/readyz", services, 300, on_progress=_progress
        )
    except (RuntimeError, TimeoutError) as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        for service in services:
            launcher.stop(service)
        return 1
    print(
        f"\nReady. Open the help widget: http://localhost:{GATEWAY_PORT}/\nPress Ctrl-C to stop.",
        flush=True,
    )
    while True:
        for service in services:
            if service.process.poll() is not None:
                print(
                    f"{service.name} stopped unexpectedly:\n{service.log_tail()}", file=sys.stderr
                )
                for other in services:
                    launcher.stop(other)
                return 1
        time.sleep(1.0)


if __name__ == "__main__":
    sys.exit(main())
