"""Runs, primitives and sessions through the real isolated sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from codeloop.errors import BudgetExceeded
from codeloop.models.backends.scripted import ScriptedModel
from codeloop.sandbox import IsolatedSandbox, Limits, Sandbox
from codeloop.sandbox.hosting import checkpoint_functions, model_functions
from codeloop.store import Store
from tests.sandbox.conftest import FAST

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def box() -> AsyncIterator[IsolatedSandbox]:
    async with IsolatedSandbox(limits=FAST, pool_size=2) as sandbox:
        yield sandbox


async def test_implements_the_protocol(box: IsolatedSandbox) -> None:
    assert isinstance(box, Sandbox)


async def test_finish_value_stdout_and_variables(box: IsolatedSandbox) -> None:
    result = await box.run(
        "total = sum(context)\nprint('n', len(context))\nfinish({'total': total})",
        context=[1, 2, 3],
        return_vars=["total", "missing"],
    )
    assert (result.status, result.finished, result.value) == ("finished", True, {"total": 6})
    assert result.stdout == "n 3\n"
    assert result.variables == {"total": 6}


async def test_program_without_finish_is_finished_but_not_finished_flag(
    box: IsolatedSandbox,
) -> None:
    result = await box.run("x = 2", return_vars=["x"])
    assert (result.status, result.finished, result.value, result.variables) == (
        "finished", False, None, {"x": 2},
    )  # fmt: skip


async def test_finish_cannot_be_swallowed_by_except_exception(box: IsolatedSandbox) -> None:
    result = await box.run("try:\n    finish(7)\nexcept Exception:\n    finish(8)")
    assert result.value == 7


async def test_error_has_line_type_and_only_program_frames(box: IsolatedSandbox) -> None:
    result = await box.run("def f(x):\n    return 1 / x\n\nf(0)")
    assert result.status == "error"
    assert result.error is not None
    assert (result.error.type, result.error.line) == ("ZeroDivisionError", 2)
    assert result.error.traceback_tail == (
        '  File "<program>", line 4, in <module>\n'
        '  File "<program>", line 2, in f\n'
        "ZeroDivisionError: division by zero\n"
    )


async def test_policy_result_names_line_and_rule(box: IsolatedSandbox) -> None:
    result = await box.run("x = 1\nimport os")
    assert result.status == "policy"
    assert result.error is not None
    assert (result.error.line, result.error.rule) == (2, "import")
    assert result.feedback().startswith("policy: line 2: import: module `os` is not allowed")


async def test_numpy_pandas_sklearn_inside_and_json_conversion(box: IsolatedSandbox) -> None:
    program = (
        "import numpy as np\nimport pandas as pd\n"
        "from sklearn.linear_model import LinearRegression\n"
        "df = pd.DataFrame({'x': [1.0, 2.0, 3.0], 'y': [2.0, 4.0, 6.0]})\n"
        "m = LinearRegression().fit(df[['x']], df['y'])\n"
        "finish({'coef': round(float(m.coef_[0]), 6), 'arr': np.arange(3), 'mean': df.y.mean()})"
    )
    result = await box.run(program, limits=FAST.model_copy(update={"memory_mb": 512}))
    assert result.value == {"coef": 2.0, "arr": [0, 1, 2], "mean": 4.0}, result.error


async def test_stdout_is_truncated_at_the_output_limit(box: IsolatedSandbox) -> None:
    result = await box.run(
        "print('x' * 200_000)", limits=FAST.model_copy(update={"output_bytes": 2048})
    )
    assert len(result.stdout) == 2048
    assert result.usage.stdout_truncated


async def test_missing_host_function_fails_clearly(box: IsolatedSandbox) -> None:
    result = await box.run("llm_query('hi')")
    assert result.error is not None
    assert result.error.message == (
        "llm_query() is not available in this run: the host supplied no 'llm_query' function"
    )


async def test_llm_query_raw_query_through_a_model(box: IsolatedSandbox) -> None:
    model = ScriptedModel(lambda req: req.messages[-1].content.upper())
    host = model_functions(model)
    result = await box.run(
        "finish([llm_query('count', [1, 2]), raw_query('def f(): pass')])", host=host
    )
    assert result.value == ['INPUT:\n"""\n[1, 2]\n"""\n\nCOUNT', "DEF F(): PASS"]
    assert result.usage.host_calls == {"llm_query": 1, "raw_query": 1}


async def test_map_async_is_concurrent_ordered_and_isolates_failures(box: IsolatedSandbox) -> None:
    async def slow(instruction: str, data: str = "", **_: Any) -> str:
        await asyncio.sleep(0.05)
        if data == "3":
            raise ValueError("bad item")
        return f"{instruction}{data}"

    program = (
        "r = map_async(lambda i: llm_query('q', i), list(range(40)), max_concurrency=20)\n"
        "finish([r[0], r[39], isinstance(r[3], ItemError), r[3]['type']])"
    )
    started = time.perf_counter()
    result = await box.run(program, host={"llm_query": slow})
    assert result.value == ["q0", "q39", True, "HostCallError"], result.error
    assert time.perf_counter() - started < 1.0  # 40 calls x 50 ms serially would be 2 s


async def test_llm_query_async_and_await_all(box: IsolatedSandbox) -> None:
    async def echo(instruction: str, **_: Any) -> str:
        return instruction * 2

    result = await box.run(
        "hs = [llm_query_async(str(i)) for i in range(5)]\nfinish(await_all(hs))",
        host={"llm_query": echo},
    )
    assert result.value == ["00", "11", "22", "33", "44"]


async def test_budget_exceeded_becomes_a_budget_limit(box: IsolatedSandbox) -> None:
    async def broke(**_: Any) -> str:
        raise BudgetExceeded("calls", 3, 3)

    result = await box.run("llm_query('x')", host={"llm_query": broke})
    assert result.status == "limit"
    assert result.error is not None
    assert result.error.kind == "budget"


async def test_checkpoints_persist_in_the_store(box: IsolatedSandbox, tmp_path: Any) -> None:
    store = Store(tmp_path / "db.sqlite")
    host = checkpoint_functions(store.checkpoints, "run1")
    first = await box.run("checkpoint('step', {'done': 3})\nfinish(restore('nothing'))", host=host)
    second = await box.run("finish(restore('step'))", host=host)
    assert (first.value, second.value) == (None, {"done": 3})
    assert store.checkpoints.load("run1", "step") == {"done": 3}


async def test_exec_sub_returns_child_variables_and_refuses_finish(box: IsolatedSandbox) -> None:
    result = await box.run(
        "a = exec_sub('x = 2\\ny = [x, 3]')\n"
        "try:\n    exec_sub('finish(1)')\nexcept RuntimeError as e:\n    b = str(e)\n"
        "finish([a, b])"
    )
    assert result.value == [{"x": 2, "y": [2, 3]}, "finish() cannot be called inside exec_sub"]


async def test_session_keeps_namespace_and_loads_a_large_context(box: IsolatedSandbox) -> None:
    big = "y" * 30_000_000
    async with box.session(
        context=big, limits=FAST.model_copy(update={"memory_mb": 512})
    ) as session:
        first = await session.run("n = len(context)")
        second = await session.run("finish(n + 1)")
        assert (first.status, second.value) == ("finished", 30_000_001), first.error
        killed = await session.run("while True:\n    pass")
        assert killed.status == "limit"
        assert killed.error is not None
        assert "fresh namespace" in killed.error.message
        again = await session.run("finish(len(context))")
        assert again.value == 30_000_000
        assert session.restarts == 1


async def test_warm_runs_come_from_the_pool(box: IsolatedSandbox) -> None:
    await box.start()
    result = await box.run("finish(1)")
    assert result.usage.worker == "warm"


async def test_unsafe_is_required_without_os_isolation() -> None:
    from codeloop.errors import IsolationUnavailable
    from codeloop.sandbox.isolation import choose_mode

    with pytest.raises(IsolationUnavailable, match="install bubblewrap"):
        choose_mode("none-such")
    assert choose_mode("none-such", unsafe=True) == "none"


async def test_unshare_fallback_runs_and_isolates() -> None:
    async with IsolatedSandbox(
        limits=FAST, pool_size=0, isolation="unshare", validate=False
    ) as sandbox:
        result = await sandbox.run("import socket\nsocket.socket()", limits=Limits(wall_s=5))
        ok = await sandbox.run("finish(sum(range(4)))")
    assert sandbox.mode == "unshare"
    assert result.error is not None
    assert result.error.type == "PermissionError"
    assert ok.value == 6


async def test_unsafe_mode_still_applies_seccomp_in_the_worker() -> None:
    async with IsolatedSandbox(
        limits=FAST, pool_size=0, isolation="none-such", unsafe=True, validate=False
    ) as sandbox:
        result = await sandbox.run("import socket\nsocket.socket()")
    assert sandbox.mode == "none"
    assert result.error is not None
    assert result.error.message == "[Errno 1] Operation not permitted"


async def test_max_active_bounds_concurrent_runs() -> None:
    async with IsolatedSandbox(limits=FAST, pool_size=0, max_active=1) as sandbox:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(sandbox.run("import time\ntime.sleep(0.3)\nfinish(1)") for _ in range(3))
        )
        elapsed = time.perf_counter() - started
    assert [r.value for r in results] == [1, 1, 1]
    assert elapsed >= 0.9


async def test_session_counts_host_calls_per_run(box: IsolatedSandbox) -> None:
    async def echo(instruction: str, **_: Any) -> str:
        return instruction

    async with box.session(host={"llm_query": echo}) as session:
        first = await session.run("a = llm_query('x')\nb = llm_query('y')")
        second = await session.run("finish(llm_query(a + b))")
    assert first.usage.host_calls == {"llm_query": 2}
    assert (second.value, second.usage.host_calls) == ("xy", {"llm_query": 1})
