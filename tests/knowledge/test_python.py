"""Python: ast parse → tree → linearize → parse; generated code passes ruff and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from codeloop.knowledge import (
    CodeModule,
    CodeSignature,
    FieldDef,
    Param,
    linearize_python,
    parse_python,
    parse_python_module,
)

SOURCE = '''"""Module doc."""
import os
from collections import OrderedDict as OD


@decorator(1)
async def fetch(a, /, b: int = 1, *args: str, key: bytes, flag=False, **kw: object) -> list[int]:
    """Fetch things.

    Indented detail.
    """
    return []


class Box(Base, metaclass=Meta):
    """A box."""

    size: int = 3
    label: str

    def open(self, force: bool = False) -> None:
        pass

    class Inner:
        pass
'''


def test_round_trip_and_details() -> None:
    module = parse_python_module(SOURCE, name="demo").module
    again = parse_python_module(linearize_python(module), name="demo").module
    assert again.shape() == module.shape()
    assert module.uses == ["import os", "from collections import OrderedDict as OD"]
    fetch = module.children[0]
    assert isinstance(fetch, CodeSignature)
    assert fetch.qualifiers == ["async"] and fetch.attributes == ["decorator(1)"]
    assert fetch.doc == "Fetch things.\n\nIndented detail."
    assert [(p.name, p.kind, p.type, p.default) for p in fetch.params] == [
        ("a", "posonly", None, None),
        ("b", "normal", "int", "1"),
        ("args", "vararg", "str", None),
        ("key", "kwonly", "bytes", None),
        ("flag", "kwonly", None, "False"),
        ("kw", "kwarg", "object", None),
    ]
    box = module.children[1]
    assert isinstance(box, CodeSignature)
    assert box.bounds == ["Base", "metaclass=Meta"]
    assert [(f.name, f.type, f.default) for f in box.fields] == [
        ("size", "int", "3"),
        ("label", "str", None),
    ]
    assert [i.name for i in box.items] == ["open", "Inner"]


def test_stdlib_modules_round_trip() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checked = 0
    for name in ("json/decoder.py", "dataclasses.py", "argparse.py", "textwrap.py"):
        for item in parse_python((stdlib / name).read_text(encoding="utf-8")):
            assert [b.shape() for b in parse_python(linearize_python([item]))] == [item.shape()]
            checked += 1
    assert checked > 60


def test_docstrings_with_quotes_and_backslashes_survive() -> None:
    sig = CodeSignature(kind="fn", name="f", lang="python", doc='Say "hi" \\ bye"')
    assert parse_python(linearize_python(sig))[0].shape() == sig.shape()


def test_generated_python_passes_ruff_and_mypy_strict(tmp_path: Path) -> None:
    module = CodeModule(
        name="gen",
        lang="python",
        doc="Generated.",
        uses=["collections.OrderedDict"],
        children=[
            CodeSignature(
                kind="class",
                name="Account",
                lang="python",
                doc="An account.",
                fields=[
                    FieldDef(name="owner", type="str"),
                    FieldDef(name="balance", type="int", default="0"),
                ],
                items=[
                    CodeSignature(
                        kind="fn",
                        name="deposit",
                        lang="python",
                        params=[Param(name="self"), Param(name="amount", type="int")],
                        returns="int",
                    )
                ],
            ),
            CodeSignature(
                kind="fn",
                name="ledger",
                lang="python",
                params=[Param(name="names", type="list[str]")],
                returns="OrderedDict[str, int]",
                body="return OrderedDict((n, 0) for n in names)",
            ),
        ],
    )
    path = tmp_path / "gen.py"
    path.write_text(linearize_python(module), encoding="utf-8")
    ruff = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "E,F,W,I,UP,B",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert mypy.returncode == 0, mypy.stdout
