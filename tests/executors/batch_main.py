"""Run by the crash test in a child process: a batch of 30 logged squares, two at a time."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from codeloop.executors import BatchRunner, BatchTask, LocalExecutor
from codeloop.store import Store
from tests.executors.tasks import logged_square


async def main(db: Path) -> None:
    store = Store(db)
    tasks = [BatchTask(id=f"t{n:02d}", input=n) for n in range(30)]
    report = await BatchRunner(store, LocalExecutor(2), chunk=2).run("square", tasks, logged_square)
    print(report.model_dump_json(exclude={"results"}))
    store.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
