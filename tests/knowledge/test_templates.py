"""Templates: every built-in compiles with rustc; holes are typed; templates compose and persist."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codeloop.errors import UserInputError
from codeloop.knowledge import CodeGraph, CodeModule, Provenance, TemplateLibrary, linearize_rust

# Each built-in with test parameters, and the code it needs around it to compile.
CASES: dict[str, tuple[dict[str, str], str]] = {
    "error-type": (
        {
            "Type": "AppError",
            "variants": "Io(std::io::Error), Parse(std::num::ParseIntError), Empty",
        },
        "",
    ),
    "from-impl": (
        {"Source": "u8", "Type": "Wrapper", "variant": "Byte"},
        "pub enum Wrapper { Byte(u8) }\n",
    ),
    "trait-impl": ({"Trait": "std::fmt::Display", "Type": "Point"}, "pub struct Point;\n"),
    "struct": ({"Type": "Point", "fields": "x: f64, y: f64"}, ""),
    "builder": (
        {"Type": "Config", "fields": "host: String, port: u16, tags: Vec<String>"},
        "pub struct Config { pub host: String, pub port: u16, pub tags: Vec<String> }\n",
    ),
    "new-constructor": (
        {"Type": "Config", "fields": "host: String"},
        "pub struct Config { host: String }\n",
    ),
    "iterator": ({"Type": "Countdown", "Item": "u32"}, ""),
    "test-module": ({"tests": "adds, subtracts"}, ""),
    "cli-subcommand": ({"commands": "Add(String), List, Remove(u32)"}, ""),
    "module": ({"module": "config", "Type": "Config", "fields": "host: String, port: u16"}, ""),
}
STUBBED = {"error-type-thiserror": "thiserror", "cli-subcommand-clap": "clap"}
STUB = """extern crate proc_macro;
use proc_macro::TokenStream;
#[proc_macro_derive(Error, attributes(error, from, source))]
pub fn error(_: TokenStream) -> TokenStream { TokenStream::new() }
#[proc_macro_derive(Subcommand, attributes(command, arg))]
pub fn subcommand(_: TokenStream) -> TokenStream { TokenStream::new() }
"""


def _rustc(source: str, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    path = folder / "lib.rs"
    path.write_text(source, encoding="utf-8")
    return subprocess.run(
        [
            "rustc",
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--test",
            "--out-dir",
            str(folder),
            *extra,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_library_holds_the_seed_templates_and_more(library: TemplateLibrary) -> None:
    assert library.names() == sorted([*CASES, *STUBBED])


@pytest.mark.parametrize("name", sorted(CASES))
def test_builtin_template_compiles(name: str, library: TemplateLibrary, tmp_path: Path) -> None:
    params, prelude = CASES[name]
    source = prelude + linearize_rust(library.instantiate(name, params).as_module("generated"))
    result = _rustc(source, tmp_path)
    assert result.returncode == 0, result.stderr + source


def test_dependency_flavours_compile_against_stub_derives(
    library: TemplateLibrary, tmp_path: Path
) -> None:
    """thiserror and clap cannot be fetched offline: their derives are stubbed so rustc still checks
    the generated attributes and paths."""
    externs: list[str] = []
    for crate in sorted(set(STUBBED.values())):
        (tmp_path / f"{crate}.rs").write_text(STUB, encoding="utf-8")
        built = subprocess.run(
            [
                "rustc",
                "--edition",
                "2021",
                "--crate-type",
                "proc-macro",
                "--crate-name",
                crate,
                "--out-dir",
                str(tmp_path),
                str(tmp_path / f"{crate}.rs"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, built.stderr
        externs += ["--extern", f"{crate}={next(tmp_path.glob(f'lib{crate}*.so'))}"]
    error = library.instantiate("error-type-thiserror", {"variants": "Io(std::io::Error), Empty"})
    cli = library.instantiate("cli-subcommand-clap", {"commands": "Add(String), List"})
    source = linearize_rust(CodeModule(name="g", children=error.items + cli.items))
    assert '#[error("io: {0}")]' in source and "#[from]" in source
    assert "#[derive(Debug, clap::Subcommand)]" in source
    result = _rustc(source, tmp_path, *externs)
    assert result.returncode == 0, result.stderr + source


def test_composition_includes_other_templates(library: TemplateLibrary) -> None:
    assert library.get("module").includes == [
        "builder",
        "error-type",
        "new-constructor",
        "struct",
        "test-module",
    ]
    module = library.instantiate(
        "module", {"module": "cfg", "Type": "Cfg", "fields": "a: u8"}
    ).items[0]
    assert isinstance(module, CodeModule)
    assert [c.name for c in module.children] == [
        "Cfg",
        "impl Cfg",
        "CfgBuilder",
        "impl CfgBuilder",
        "impl Cfg",
        "CfgError",
        "impl std::fmt::Display for CfgError",
        "impl std::error::Error for CfgError",
        "tests",
    ]
    error = library.instantiate("error-type", {"variants": "Io(std::io::Error), Empty"})
    assert [i.name for i in error.items][-1] == "impl From<std::io::Error> for Error"


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("builder", {"Type": "Config"}, r"needs --param fields=… \(field_list: the fields to set"),
        (
            "builder",
            {"Type": "Config", "fields": "host String"},
            r"'host String' is not `name: Type`",
        ),
        ("builder", {"Type": "my config", "fields": "a: u8"}, "must be an identifier"),
        ("struct", {"Type": "A", "fields": "a: Vec<u8"}, "is not a Rust type"),
        ("struct", {"Type": "A", "fields": "a: u8", "colour": "red"}, "has no parameter colour"),
        ("nope", {}, "no template 'nope'; available: builder"),
    ],
)
def test_bad_parameters_name_the_fix(
    library: TemplateLibrary, name: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(UserInputError, match=message):
        library.instantiate(name, params)


def test_user_templates_from_a_folder_and_the_graph(
    library: TemplateLibrary, graph: CodeGraph, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "newtype.toml").write_text(
        """name = "newtype"
description = "A tuple struct wrapping one value"
[[holes]]
name = "Type"
kind = "type_name"
[[holes]]
name = "Inner"
kind = "type"
default = "u64"
[[body]]
kind = "struct"
name = "{{ Type }}"
visibility = "pub"
form = "tuple"
derives = ["Debug", "Clone", "Copy"]
fields = [{ name = "0", type = "{{ Inner }}", visibility = "pub" }]
"""
    )
    mine = TemplateLibrary.builtin()
    assert mine.load_dir(folder) == ["newtype"]
    text = linearize_rust(mine.instantiate("newtype", {"Type": "UserId"}).items)
    assert text == "#[derive(Debug, Clone, Copy)]\npub struct UserId(pub u64);\n"
    assert mine.store(graph, Provenance(how="user")) > 50
    back = TemplateLibrary.from_graph(graph)
    assert back.names() == mine.names()
    assert back.get("newtype") == mine.get("newtype")
    includes = graph.triples.query("template:module", "template:includes")
    assert [t.object for t in includes] == [
        "template:builder",
        "template:error-type",
        "template:new-constructor",
        "template:struct",
        "template:test-module",
    ]
    (folder / "bad.json").write_text('{"name": "bad"}')
    with pytest.raises(UserInputError, match=r"bad.json: Field required at description"):
        mine.load_dir(folder)
