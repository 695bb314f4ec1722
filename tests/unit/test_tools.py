import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tools import launcher
from tools.paths import ROOT, TRAINING_INPUTS
from tools.train import training_hash


def copy_training_inputs(target: Path) -> None:
    for entry in TRAINING_INPUTS:
        source = ROOT / entry
        if source.is_dir():
            shutil.copytree(source, target / entry, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (target / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / entry)


def test_training_hash_follows_training_inputs_only(tmp_path: Path) -> None:
    copy_training_inputs(tmp_path)
    before = training_hash(tmp_path)
    assert training_hash(tmp_path) == before
    (tmp_path / "README.md").write_text("not a training input")
    (tmp_path / "data" / "kb").mkdir(parents=True)
    (tmp_path / "data" / "kb" / "new.md").write_text("KB edits need no retraining")
    assert training_hash(tmp_path) == before
    with (tmp_path / "data" / "urgency" / "urgency.yml").open("a") as urgency:
        urgency.write('\n  - "one more low example"\n')
    assert training_hash(tmp_path) != before


def test_leftover_services_of_an_earlier_run_are_stopped(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    # the project path in the command line marks it as ours
    command = [sys.executable, "-c", "import time; time.sleep(300)", str(ROOT)]
    service = launcher._start("rasa", command, {}, tmp_path / "x.log", run_dir / "rasa.pid")
    cmdline = Path(f"/proc/{service.process.pid}/cmdline")
    while b"time.sleep" not in cmdline.read_bytes():  # until the child has exec'd
        time.sleep(0.05)
    (run_dir / "gateway.pid").write_text("999999999")  # stale: that process is long gone
    assert launcher.stop_leftovers(run_dir) == ["rasa"]
    deadline = time.monotonic() + 10
    while service.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.process.poll() is not None
    assert list(run_dir.glob("*.pid")) == []


def test_free_port_is_free() -> None:
    assert launcher.port_is_free(launcher.free_port())


def test_a_running_make_run_is_found_and_stopped_before_its_services(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # stands in for `python -m tools.run`: the module name in the command line marks it
    supervisor = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)", launcher.LAUNCHER_MARK]
    )
    cmdline = Path(f"/proc/{supervisor.pid}/cmdline")
    while b"time.sleep" not in cmdline.read_bytes():
        time.sleep(0.05)
    (run_dir / launcher.LAUNCHER_PID_FILE).write_text(str(supervisor.pid))
    assert launcher.running_launcher(run_dir) == supervisor.pid
    assert launcher.stop_leftovers(run_dir) == ["launcher"]
    assert supervisor.wait(timeout=10) is not None
    assert launcher.running_launcher(run_dir) is None
    assert list(run_dir.glob("*.pid")) == []


def test_a_stale_launcher_pid_file_is_not_taken_for_a_running_make_run(tmp_path: Path) -> None:
    (tmp_path / launcher.LAUNCHER_PID_FILE).write_text(str(os.getpid()))
    assert launcher.running_launcher(tmp_path) is None
    assert not (tmp_path / launcher.LAUNCHER_PID_FILE).exists()


def test_start_up_progress_says_what_it_waits_for_once_per_change(capsys) -> None:  # type: ignore[no-untyped-def]
    from tools.run import Progress

    progress = Progress()
    loading = {"rasa": {"ok": True}, "kb": {"ok": False}, "database": {"ok": True}}
    progress(loading)
    progress(loading)
    progress({"rasa": {"ok": False}, "kb": {"ok": True}})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "knowledge-base index" in lines[0] and "Rasa loading its model" in lines[1]
