from __future__ import annotations

import pickle
from typing import Any

from codeloop.cli._worker import WorkerTask
from codeloop.config import Settings
from codeloop.lang import Runner
from codeloop.models import ModelFactory


async def _runtime_id(
    settings: Settings, factory: ModelFactory, runner: Runner, task: dict[str, Any]
) -> dict[str, Any]:
    return {"runtime": id(factory.runtime), "task": task["n"]}


def test_tasks_in_one_process_share_one_model_runtime() -> None:
    fn = WorkerTask(_runtime_id, Settings())
    first, second = fn({"n": 1}), fn({"n": 2})
    assert (first["task"], second["task"]) == (1, 2)
    assert first["runtime"] == second["runtime"]


def test_pickled_task_carries_settings_and_builds_its_own_runtime() -> None:
    fn = WorkerTask(_runtime_id, Settings())
    here = fn({"n": 1})["runtime"]
    copy = pickle.loads(pickle.dumps(fn))
    there = copy({"n": 2})
    assert there["task"] == 2
    assert there["runtime"] != here
