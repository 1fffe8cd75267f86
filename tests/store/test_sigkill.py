"""A process killed with SIGKILL in the middle of a run loses no finished step."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from codeloop.store import Store

WRITER = """
import sys, time
from codeloop.store import Store, StepRecord
store = Store(__import__("pathlib").Path(sys.argv[1]))
run_id = store.runs.start_run("gen", {"n": "many"})
print(run_id, flush=True)
i = 0
while True:
    store.runs.add_step(StepRecord(run_id=run_id, kind="model_call", name=f"step-{i}",
                                   input={"i": i}, output={"text": "x" * 200}))
    print(i, flush=True)
    i += 1
    time.sleep(0.002)
"""


def test_sigkill_mid_run_keeps_every_finished_step(tmp_path: Path) -> None:
    db = tmp_path / "codeloop.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    reported = -1
    deadline = time.monotonic() + 30
    while reported < 50 and time.monotonic() < deadline:
        reported = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    run = Store(db).runs.get_run(run_id)
    names = [s.name for s in run.steps]
    # every step the writer reported as finished is there, in order, with its payload
    assert len(names) >= reported + 1
    assert names[: reported + 1] == [f"step-{i}" for i in range(reported + 1)]
    assert all(s.output == {"text": "x" * 200} for s in run.steps)
    assert run.status == "running"
