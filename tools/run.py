"""`make run`: start Rasa and the gateway together, wait until ready, keep them running,
stop both on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from tools import launcher
from tools.paths import RUN_DIR, VAR_DIR
from tools.train import train_if_changed

# override with `make run GATEWAY_PORT=8080 RASA_PORT=5006` when these are taken
RASA_PORT = int(os.environ.get("RASA_PORT") or 5005)
GATEWAY_PORT = int(os.environ.get("GATEWAY_PORT") or 8000)
# a service that keeps dying is not restarted forever
MAX_RESTARTS = 5


WHAT_WE_WAIT_FOR = {
    "rasa": "Rasa loading its model (about 30 s)",
    "kb": "the knowledge-base index (built on a first start or after KB edits, 1-2 min)",
    "database": "the database",
}
PROGRESS_EVERY_SECONDS = 15.0


class Progress:
    """Says what start-up is waiting for when that changes, and how long it has taken so far
    every 15 s, instead of a line per poll."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last_said = -PROGRESS_EVERY_SECONDS
        self.last_waiting: list[str] = []

    def __call__(self, body: dict[str, object]) -> None:
        waiting = [
            name for name, check in body.items() if isinstance(check, dict) and not check.get("ok")
        ] or ["gateway"]
        elapsed = time.monotonic() - self.started
        if waiting == self.last_waiting and elapsed - self.last_said < PROGRESS_EVERY_SECONDS:
            return
        self.last_waiting, self.last_said = waiting, elapsed
        what = "; ".join(WHAT_WE_WAIT_FOR.get(name, name) for name in waiting)
        print(f"  [{elapsed:4.0f} s] waiting for {what}", flush=True)


def _ports_free() -> bool:
    for port in (RASA_PORT, GATEWAY_PORT):
        if not launcher.port_is_free(port):
            print(
                f"Port {port} is taken by another program. Find it with `ss -ltnp | grep :{port}`, "
                "or use other ports: `make run GATEWAY_PORT=8080 RASA_PORT=5006`; otherwise "
                "stop it, then run `make run` again.",
                file=sys.stderr,
            )
            return False
    return True


def main() -> int:
    other = launcher.running_launcher()
    if other is not None:
        print(
            f"`make run` is already running (pid {other}). Stop it with Ctrl-C in its terminal "
            "or with `make stop`, then run `make run` again.",
            file=sys.stderr,
        )
        return 1
    model = train_if_changed()
    stopped = launcher.stop_leftovers()
    if stopped:
        print(f"Stopped leftovers of an earlier run: {', '.join(stopped)}")
    if not _ports_free():
        return 1
    print(
        f"Starting Rasa on 127.0.0.1:{RASA_PORT} and the gateway on 127.0.0.1:{GATEWAY_PORT} "
        f"(logs: {VAR_DIR}/rasa.log, {VAR_DIR}/gateway.log)",
        flush=True,
    )
    own_pid_file = RUN_DIR / launcher.LAUNCHER_PID_FILE
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    own_pid_file.write_text(str(os.getpid()))
    try:
        return start_and_supervise(model)
    finally:
        own_pid_file.unlink(missing_ok=True)


def start_and_supervise(model: Path) -> int:
    stack = launcher.start_stack(model, RASA_PORT, GATEWAY_PORT, VAR_DIR, pid_dir=RUN_DIR)

    def shutdown(*_: object) -> None:
        print("\nStopping...", flush=True)
        stack.stop()
        print("Stopped.")
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        launcher.wait_until_ready(
            f"{stack.gateway_url}/readyz", stack.services, 300, on_progress=Progress()
        )
    except (RuntimeError, TimeoutError) as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        stack.stop()
        return 1
    print(
        f"\nReady. Open the help widget: http://localhost:{GATEWAY_PORT}/\nPress Ctrl-C to stop.",
        flush=True,
    )
    return supervise(stack)


def supervise(stack: launcher.Stack) -> int:
    """Restart a service that died; the other keeps serving (the gateway answers 503 meanwhile)."""
    restarts = 0
    while True:
        time.sleep(1.0)
        for name in ("rasa", "gateway"):
            service = getattr(stack, name)
            if service.process.poll() is None:
                continue
            restarts += 1
            print(
                f"{name} stopped (exit code {service.process.returncode}); last lines of "
                f"{service.log_file}:\n{service.log_tail(10)}",
                file=sys.stderr,
                flush=True,
            )
            if restarts > MAX_RESTARTS:
                print(f"Giving up after {MAX_RESTARTS} restarts.", file=sys.stderr)
                stack.stop()
                return 1
            print(f"Restarting {name}...", flush=True)
            setattr(stack, name, launcher.restart(service))


if __name__ == "__main__":
    sys.exit(main())
