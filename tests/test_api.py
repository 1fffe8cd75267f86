"""``codeloop.api``: each capability from Python on scripted models, the real sandbox and a real
SQLite store (a fresh CODELOOP_HOME per test), async and blocking forms, errors as codeloop's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import codeloop
from codeloop import api
from codeloop.errors import ConfigError, ModelResponseError, StoreError, UserInputError
from codeloop.models import ScriptedModel
from codeloop.store import Store

ADD = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"
ADD_TESTS = (
    "```python\nfrom add import add\n\ndef test_zero():\n    assert add(0, 0) == 0\n\n"
    "def test_wrong():\n    assert add(2, 2) == 5\n```"
)
REQUEST = "Write add(a, b) that adds two integers: add(1, 2) == 3"
ROWS = json.dumps([{"city": "Oslo", "temp": 3}, {"city": "Rome", "temp": 18}])
ANALYSIS = "```python\nfinal_report = max(r['temp'] for r in context)\n```"
PLAN = """```python
# strategy: C
warm = [r for r in context if r["temp"] > 10]
final_report = ", ".join(llm_query("One word for this weather.", r) for r in warm)
```"""


def _runs(home: Path) -> list[tuple[str, str]]:
    store = Store(home / "codeloop.db")
    try:
        return [(r.kind, r.status) for r in store.runs.list_runs()]
    finally:
        store.close()


def test_import_forms() -> None:
    assert codeloop.api is api
    assert api.generate_sync.__name__ == "generate_sync"
    assert "Blocking form of :func:`generate`" in (api.generate_sync.__doc__ or "")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = codeloop.nope  # type: ignore[attr-defined]


async def test_ask_records_a_run(codeloop_home: Path) -> None:
    reply = await api.ask("Say hi", models=ScriptedModel(["hi there"]))
    assert (reply.text, reply.model) == ("hi there", "scripted:scripted")
    assert reply.usage.output_tokens == 2
    assert _runs(codeloop_home) == [("ask", "ok")]


async def test_ask_streams_and_records_a_cassette(tmp_path: Path) -> None:
    pieces: list[str] = []
    streamed = await api.ask("Say hi", on_text=pieces.append, models=ScriptedModel(["hi there"]))
    assert (pieces, streamed.text) == (["hi", " there"], "hi there")
    cassette = tmp_path / "ask.jsonl"
    reply = await api.ask(  # a recorder does not stream: the text comes as one piece
        "Say hi", on_text=pieces.append, record=cassette, models=ScriptedModel(["hi there"])
    )
    assert pieces[2:] == ["hi there"]
    assert len(reply.run_id) == 12
    replayed = await api.ask("Say hi", model=f"replay:{cassette}")
    assert replayed.text == "hi there"


def test_ask_sync_error_is_codeloops_and_recorded(codeloop_home: Path) -> None:
    with pytest.raises(ModelResponseError, match="has no reply #1"):
        api.ask_sync("Say hi", models=ScriptedModel([]))
    assert _runs(codeloop_home) == [("ask", "error")]


def test_ask_by_role_from_a_mapping_and_an_unknown_model() -> None:
    backends = {"planner": ScriptedModel(["plan"]), "coder": ScriptedModel(["code"])}
    assert api.ask_sync("x", model="planner", models=backends).text == "plan"
    assert api.ask_sync("x", models=backends).text == "code"
    with pytest.raises(UserInputError, match="unknown model 'nope:thing': use backend:name"):
        api.ask_sync("x", model="nope:thing", models=backends)


async def test_generate_returns_the_report_with_its_run(codeloop_home: Path) -> None:
    stages: list[str] = []
    report = await api.generate(
        REQUEST,
        samples=1,
        rounds=0,
        models=ScriptedModel([ADD, ADD_TESTS]),
        progress=lambda stage, _: stages.append(stage),
    )
    assert report.status == "ok"
    assert "return a + b" in report.files["add.py"]
    assert (report.public_passed, report.public_total) == (1, 1)
    assert report.tests_kept == ["test_example_1", "test_zero"]
    assert [t.name for t in report.tests_discarded] == ["test_wrong"]
    assert stages[0] == "analyze"
    assert _runs(codeloop_home) == [("gen", "ok")]
    store = Store(codeloop_home / "codeloop.db")
    run = store.runs.get_run(report.run_id or "")
    store.close()
    assert run is not None
    assert run.result["files"] == report.files


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"description": " "}, "the description is empty"),
        ({"description": REQUEST, "samples": 99}, "bad generation options"),
        ({"description": REQUEST, "language": "cobol"}, "unsupported language 'cobol'"),
    ],
)
def test_generate_sync_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        api.generate_sync(models=ScriptedModel([ADD]), **kwargs)  # type: ignore[arg-type]


def test_analyze_sync_on_the_real_sandbox(codeloop_home: Path) -> None:
    report = api.analyze_sync(ROWS, "hottest temperature", models=ScriptedModel([ANALYSIS]))
    assert (report.ok, report.value, report.calls) == (True, 18, 1)
    assert _runs(codeloop_home) == [("analyze", "ok")]
    with pytest.raises(UserInputError, match="unknown data format 'xml'"):
        api.analyze_sync(ROWS, "x", format="xml", models=ScriptedModel([ANALYSIS]))


async def test_orchestrate_with_roles_and_budget() -> None:
    backends = {
        "planner": ScriptedModel([PLAN]),
        "coder": ScriptedModel([]),
        "worker": ScriptedModel(["balmy"]),
    }
    report = await api.orchestrate(ROWS, "describe warm places", max_calls=5, models=backends)
    assert (report.ok, report.value, report.strategy, report.calls) == (True, "balmy", "C", 2)
    assert report.budget.max_calls == 5
    refused = await api.orchestrate(ROWS, "x", max_calls=0, models=ScriptedModel([PLAN]))
    assert refused.ok is False
    assert "budget exceeded: calls limit 0" in (refused.error or "")


def test_rlm_sync() -> None:
    turn = "```python\nfinish(context.count('needle'))\n```"
    report = api.rlm_sync("hay needle hay needle", "how many?", models=ScriptedModel([turn]))
    assert (report.answer, report.finished, len(report.turns)) == (2, True, 1)


async def test_run_program_python_and_scheme_share_one_session(codeloop_home: Path) -> None:
    async with api.Session(backends=ScriptedModel(["sunny"], cycle=True)) as session:
        python = await api.run_program(
            "print('hi')\nfinish(sum(context) + len(llm_query('weather?')))",
            context=[1, 2, 3],
            session=session,
        )
        scheme = await api.run_program(
            '(define s (py-eval "sum(context)")) (finish (* s 2))',
            language="scheme",
            context=[1, 2, 3],
            session=session,
        )
    assert (python.value, python.stdout, python.status) == (11, "hi\n", "finished")
    assert (scheme.value, scheme.status) == (12, "finished")
    assert _runs(codeloop_home) == [("program", "ok"), ("program", "ok")]


def test_run_program_sync_errors() -> None:
    failed = api.run_program_sync("import os\nfinish(1)", models=ScriptedModel([]))
    assert failed.ok is False
    assert failed.status == "policy"
    with pytest.raises(UserInputError, match="unknown program language 'ruby'"):
        api.run_program_sync("x", language="ruby")


async def test_session_and_its_parts_are_not_both_given() -> None:
    async with api.Session() as session:
        with pytest.raises(UserInputError, match="not both"):
            await api.ask("x", session=session, models=ScriptedModel(["y"]))


def test_reference() -> None:
    assert "(llm-query #:instruction" in api.reference("scheme")
    assert "llm_query(" in api.reference()
    with pytest.raises(UserInputError, match="use python or scheme"):
        api.reference("ruby")


def test_kg_generate_sync_from_a_template() -> None:
    generated = api.kg_generate_sync(
        template="error-type",
        params={"Type": "AppError", "variants": "Io(std::io::Error), Empty"},
    )
    assert "pub enum AppError {\n    Io(std::io::Error),\n    Empty,\n}" in generated.source
    with pytest.raises(UserInputError, match="name a target entity or a template"):
        api.kg_generate_sync()
    with pytest.raises(UserInputError, match="bad code-graph request: scope"):
        api.kg_generate_sync("X", scope="class")


async def test_patterns_search_on_a_given_store(tmp_path: Path) -> None:
    source = tmp_path / "lib.py"
    source.write_text(
        "import json\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n"
        "\n\ndef total(xs):\n    return sum(x * 2 for x in xs)\n"
    )
    store = Store(tmp_path / "given.db")
    async with api.Session(store=store) as session:
        assert session.patterns.add_paths([source]) == 2
        code = "def read(p):\n    with open(p) as f:\n        return json.load(f)\n"
        hits = await api.patterns_search(code, k=1, session=session)
    assert [h.name for h in hits] == ["load"]
    assert store.runs.list_runs() == []  # a given store stays open for its owner
    store.close()
    with pytest.raises(UserInputError, match="exactly one of"):
        await api.patterns_search()


async def test_sync_form_inside_a_running_loop_names_the_fix() -> None:
    with pytest.raises(UserInputError, match=r"use `await codeloop.api.ask\(...\)` there"):
        api.ask_sync("x", models=ScriptedModel(["y"]))


def test_bad_settings_are_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODELOOP_MODELS__TIMEOUT_S", "soon")
    with pytest.raises(ConfigError, match="invalid settings"):
        api.ask_sync("x", models=ScriptedModel(["y"]))


def test_the_api_closes_what_it_built() -> None:
    async def go() -> Store:
        session = api.Session(backends=ScriptedModel(["a"]))
        await api.ask("x", session=session)
        await session.aclose()
        return session.store

    store = asyncio.run(go())
    with pytest.raises(StoreError, match="closed database"):
        store.runs.list_runs()


def test_patterns_search_sync_bad_input() -> None:
    with pytest.raises(UserInputError, match="unknown language 'go': use python or rust"):
        api.patterns_search_sync("x", language="go")
    with pytest.raises(UserInputError, match="k must be at least 1"):
        api.patterns_search_sync("x", k=0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: api.ask_sync("x", temperature=5.0), "bad request: temperature: Input should be"),
        (lambda: api.orchestrate_sync("[]", "x", max_calls=-1), "bad budget: max_calls:"),
        (lambda: api.analyze_sync("[]", "x", retries=-1), "bad codegen options: max_retries:"),
        (lambda: api.rlm_sync("x", "y", max_depth=-1), "bad rlm options: max_depth:"),
        (lambda: api.generate_sync("x", max_tokens=-1), "bad budget: max_tokens:"),
    ],
)
def test_bad_options_name_the_field(call: Callable[[], object], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        call()
