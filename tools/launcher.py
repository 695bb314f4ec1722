"""Starts and stops the Rasa server and the gateway; shared by `make run`, tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tools.paths import APP_PYTHON, RASA_BIN, ROOT, RUN_DIR


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log_file: Path
    env: dict[str, str]
    pid_file: Path | None = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(
    name: str, command: list[str], env: dict[str, str], log_file: Path, pid_file: Path | None
) -> Service:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopping it stops its children too
        )
    if pid_file is not None:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(str(process.pid))
    return Service(name, process, log_file, env, pid_file)


def new_action_token() -> str:
    """A fresh shared secret for one run: only our Rasa may call the gateway's actions."""
    return secrets.token_urlsafe(24)


def rasa_environment(action_url: str, action_token: str, tracker_db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "ACTION_ENDPOINT_URL": action_url,
        "ACTION_ENDPOINT_TOKEN": action_token,
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_DB": str(tracker_db),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def start_rasa(
    model: Path,
    port: int,
    action_url: str,
    action_token: str,
    tracker_db: Path,
    log_file: Path,
    pid_file: Path | None = None,
) -> Service:
    command = [
        str(RASA_BIN),
        "run",
        "--enable-api",
        "-m",
        str(model),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
    ]
    return _start(
        "rasa", command, rasa_environment(action_url, action_token, tracker_db), log_file, pid_file
    )


def start_gateway(
    port: int,
    env_overrides: dict[str, str],
    log_file: Path,
    pid_file: Path | None = None,
    host: str = "127.0.0.1",
) -> Service:
    command = [
        str(APP_PYTHON),
        "-m",
        "uvicorn",
        "bot.app:create_app_from_environment",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env_overrides}
    return _start("gateway", command, env, log_file, pid_file)


@dataclass
class Stack:
    rasa: Service
    gateway: Service
    rasa_url: str
    gateway_url: str

    @property
    def services(self) -> list[Service]:
        return [self.rasa, self.gateway]

    def stop(self) -> None:
        stop(self.gateway)
        stop(self.rasa)


def start_stack(
    model: Path,
    rasa_port: int,
    gateway_port: int,
    work_dir: Path,
    gateway_env: dict[str, str] | None = None,
    pid_dir: Path | None = None,
    gateway_host: str = "127.0.0.1",
) -> Stack:
    """Rasa and the gateway wired to each other, sharing a fresh action-endpoint token."""
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    token = new_action_token()
    gateway = start_gateway(
        gateway_port,
        {"RASA_URL": rasa_url, "ACTION_ENDPOINT_TOKEN": token, **(gateway_env or {})},
        work_dir / "gateway.log",
        pid_dir / "gateway.pid" if pid_dir else None,
        host=gateway_host,
    )
    rasa = start_rasa(
        model,
        rasa_port,
        f"{gateway_url}/webhook",
        token,
        work_dir / "rasa_tracker.db",
        work_dir / "rasa.log",
        pid_dir / "rasa.pid" if pid_dir else None,
    )
    return Stack(rasa, gateway, rasa_url, gateway_url)


def restart(service: Service) -> Service:
    """Start a stopped service again with the same command, environment and log."""
    stop(service)
    args = service.process.args
    command = [str(a) for a in args] if isinstance(args, list) else [str(args)]
    return _start(service.name, command, service.env, service.log_file, service.pid_file)


def stop(service: Service, grace_seconds: float = 10.0) -> None:
    if service.process.poll() is None:
        try:
            os.killpg(service.process.pid, signal.SIGTERM)
            service.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()
        except ProcessLookupError:
            pass
    if service.pid_file is not None:
        service.pid_file.unlink(missing_ok=True)


LAUNCHER_PID_FILE = "launcher.pid"
LAUNCHER_MARK = "tools.run"


def _recorded_process(pid_file: Path) -> tuple[int, str] | None:
    """The pid in a pid file and that process's command line; None (and the file removed)
    when the file is unreadable or the process is gone."""
    try:
        pid = int(pid_file.read_text().strip())
        return pid, Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        pid_file.unlink(missing_ok=True)
        return None


def running_launcher(run_dir: Path = RUN_DIR) -> int | None:
    """The pid of a `make run` still supervising its services, if there is one."""
    pid_file = run_dir / LAUNCHER_PID_FILE
    recorded = _recorded_process(pid_file)
    if recorded is None:
        return None
    pid, cmdline = recorded
    if pid == os.getpid() or LAUNCHER_MARK not in cmdline or not _is_running(pid):
        pid_file.unlink(missing_ok=True)
        return None
    return pid


def stop_launcher(run_dir: Path = RUN_DIR, grace_seconds: float = 30.0) -> bool:
    """Ask a running `make run` to stop: it stops its services itself, so none is restarted."""
    pid = running_launcher(run_dir)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while _is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _is_running(pid):
            os.kill(pid, signal.SIGKILL)
    (run_dir / LAUNCHER_PID_FILE).unlink(missing_ok=True)
    return True


def stop_leftovers(run_dir: Path = RUN_DIR) -> list[str]:
    """Stop a running `make run`, then any service an earlier one left behind (killed
    terminal, crash)."""
    stopped = ["launcher"] if stop_launcher(run_dir) else []
    for pid_file in sorted(run_dir.glob("*.pid")):
        if pid_file.name == LAUNCHER_PID_FILE:
            continue
        recorded = _recorded_process(pid_file)
        if recorded is None:
            continue
        pid, cmdline = recorded
        if str(ROOT) in cmdline or "rasa" in cmdline or "uvicorn" in cmdline:
            try:
                os.killpg(pid, signal.SIGTERM)
                for _ in range(50):
                    if not _is_running(pid):
                        break
                    time.sleep(0.2)
                else:
                    os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            stopped.append(pid_file.stem)
        pid_file.unlink(missing_ok=True)
    return stopped


def _is_running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its parent has not reaped it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def get_json(url: str, timeout: float = 3.0) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):
        return 0, {}


def wait_until_ready(
    url: str, services: list[Service], timeout_seconds: float, on_progress=None
) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Poll a readiness URL until it answers 200; fail fast when a service dies."""
    deadline = time.monotonic() + timeout_seconds
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        for service in services:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with code {service.process.returncode}; "
                    f"last lines of {service.log_file}:\n{service.log_tail()}"
                )
        status, body = get_json(url)
        if status == 200:
            return body
        if on_progress is not None:
            on_progress(body)
        time.sleep(1.0)
    raise TimeoutError(f"{url} not ready after {timeout_seconds:.0f} s; last answer: {body}")
