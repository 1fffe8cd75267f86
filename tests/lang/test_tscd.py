"""The TypeScript checker process (tools/ts/tscd.mjs) against the tsc and prettier CLIs."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeloop.lang import TypeScriptSupport
from codeloop.lang._tscd import TscDaemon
from codeloop.lang.typescript import _tools_dirs

CLEAN = "export function add(a: number, b: number): number {\n  return a + b;\n}\n"
TEST_HEADER = 'import { test } from "node:test";\nimport assert from "node:assert/strict";\n'

CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "clean": ({"code.ts": CLEAN}, []),
    "type error": ({"code.ts": "export const x: number = 'a';\n"}, ["TS2322"]),
    "unused local": (
        {"code.ts": "export function f(a: number): number {\n  const x = 1;\n  return a;\n}\n"},
        ["TS6133"],
    ),
    "syntax error": ({"code.ts": "export function x( {\n  const = ;\n"}, ["TS1005", "TS1109"]),
    "chained message": (
        {
            "code.ts": "function g(cb: (x: number) => void): void {\n  cb(1);\n}\n"
            "g((x: string) => console.log(x));\n"
        },
        ["TS2345"],
    ),
    "implicit return and unused parameter": (
        {"code.ts": "export function f(a: number, b: number) {\n  if (a > 0) return 1;\n}\n"},
        ["TS6133", "TS7030"],
    ),
    "missing package": ({"code.ts": 'import _ from "lodash";\nexport const y = _;\n'}, ["TS2307"]),
    "test file importing node:test": (
        {
            "calc.ts": CLEAN,
            "calc.test.ts": TEST_HEADER + 'import { add } from "./calc";\n\n'
            'test("adds", () => {\n  assert.equal(add(1, 2), 3);\n});\n',
        },
        [],
    ),
    "test file with errors": (
        {
            "calc.ts": CLEAN,
            "calc.test.ts": TEST_HEADER + 'import { add } from "./calc";\n'
            'import { sub } from "./nope";\n\n'
            'test("adds", () => {\n  assert.equal(add("1", 2), sub(3));\n});\n',
        },
        ["TS2307", "TS2345"],
    ),
}


def _installed() -> TypeScriptSupport:
    support = TypeScriptSupport()
    if not support.tools()["tsc"] or not support.tools()["node"]:
        pytest.fail("typescript is not installed: npm ci --prefix tools/ts")
    return support


@pytest.fixture(scope="module")
def daemon_ts() -> Iterator[TypeScriptSupport]:
    support = _installed()
    yield support
    asyncio.run(support.aclose())


@pytest.fixture(scope="module")
def cli_ts() -> TypeScriptSupport:
    _installed()
    return TypeScriptSupport(daemon=False)


def _no_cli(monkeypatch: pytest.MonkeyPatch, support: TypeScriptSupport) -> None:
    async def refuse(files: dict[str, str]) -> None:
        raise AssertionError(f"the tsc CLI ran for {sorted(files)}")

    monkeypatch.setattr(support, "_compile_cli", refuse)


@pytest.mark.parametrize("case", list(CASES))
async def test_daemon_and_cli_give_the_same_diagnostics_and_javascript(
    case: str,
    daemon_ts: TypeScriptSupport,
    cli_ts: TypeScriptSupport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files, codes = CASES[case]
    _no_cli(monkeypatch, daemon_ts)
    served, emitted, _ = await daemon_ts._compile(files)
    monkeypatch.undo()
    expected, expected_js, _ = await cli_ts._compile(files)
    assert served == expected
    assert sorted({d.code for d in served}) == codes
    assert emitted == expected_js
    assert sorted(emitted) == sorted(name.removesuffix(".ts") + ".js" for name in files)


async def test_daemon_formats_like_the_prettier_cli(
    daemon_ts: TypeScriptSupport, cli_ts: TypeScriptSupport
) -> None:
    messy = "export function f(a:number,b:number){return {a,b}}\nconst  s='x'"
    broken = "export function x( {"
    formatted = await daemon_ts.format(messy)
    assert formatted == await cli_ts.format(messy)
    assert formatted.startswith("export function f(a: number, b: number) {\n  return { a, b };")
    assert await daemon_ts.format(broken) == broken == await cli_ts.format(broken)


async def test_a_dead_process_is_restarted_and_a_closed_one_is_gone() -> None:
    support = _installed()
    flags = support._tsc_flags()
    modules = next(d for d in _tools_dirs() if (d / ".bin" / "tsc").exists())
    daemon = TscDaemon(support._node or "node", modules.parent / "tscd.mjs", modules, flags)
    assert daemon.pid is None
    first = await daemon.check({"code.ts": "export const x: number = 'a';\n"})
    assert first is not None and "TS2322" in first.output
    pid = daemon.pid
    assert pid is not None
    os.kill(pid, 9)
    await asyncio.sleep(0.2)
    second = await daemon.check({"code.ts": CLEAN})
    assert second is not None and second.output == ""
    assert second.emitted["code.js"].startswith('"use strict";')
    assert daemon.pid not in (None, pid)
    restarted = daemon.pid
    await daemon.aclose()
    assert daemon.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(restarted or 0, 0)
    assert await daemon.check({"code.ts": CLEAN}) is None


async def test_a_cancelled_request_does_not_shift_the_replies() -> None:
    support = _installed()
    try:
        slow = support.typecheck("export const a: number = 'late';\n")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(slow, timeout=0.001)
        result = await support.typecheck(CLEAN)
        assert result.ok and result.diagnostics == ()
        late = await support.typecheck("export const a: number = 'late';\n")
        assert [d.code for d in late.diagnostics] == ["TS2322"]
    finally:
        await support.aclose()


async def test_a_broken_script_falls_back_to_the_cli(tmp_path: Path) -> None:
    modules = next(d for d in _tools_dirs() if (d / ".bin" / "tsc").exists())
    (tmp_path / "node_modules").symlink_to(modules.resolve())
    (tmp_path / "tscd.mjs").write_text("process.exit(3);\n", encoding="utf-8")
    support = TypeScriptSupport(tmp_path / "node_modules")
    try:
        result = await support.typecheck("export const x: number = 'a';\n")
        assert [d.code for d in result.diagnostics] == ["TS2322"]
        assert support._daemon is not None and support._daemon.pid is None
    finally:
        await support.aclose()


def test_node_missing_means_no_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    monkeypatch.setenv("PATH", "")
    support = TypeScriptSupport()
    if support.tools()["node"]:
        pytest.skip("node lies beside the interpreter")
    assert support._daemon is None


async def test_only_the_requests_files_exist_in_the_daemons_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (tmp_path / "codeloop-tscd").mkdir()
    (tmp_path / "codeloop-tscd" / "helpers.ts").write_text("export const leaked = 1;\n")
    support = _installed()
    _no_cli(monkeypatch, support)
    try:
        diags, _, _ = await support._compile(
            {"code.ts": 'import { leaked } from "./helpers";\nexport const y = leaked;\n'}
        )
    finally:
        await support.aclose()
    assert [(d.code, d.line) for d in diags] == [("TS2307", 1)]
