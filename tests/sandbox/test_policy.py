from __future__ import annotations

import pytest

from codeloop.sandbox.policy import check, imported_modules


def rules(program: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in check(program)]


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("import json\nx = json.dumps([1])", []),
        ("import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nfinish(df.a.sum())", []),
        ("import os", [(1, "import")]),
        ("x = 1\nfrom subprocess import run", [(2, "import")]),
        ("from . import x", [(1, "import")]),
        ("import numpy.ctypeslib", [(1, "import")]),
        ("x = ().__class__", [(1, "underscore")]),
        ("_x = 1", [(1, "underscore")]),
        ("eval('1')", [(1, "builtin")]),
        ("open('/etc/passwd')", [(1, "builtin")]),
        ("g = (i for i in [])\ng.gi_frame", [(2, "attribute")]),
        ("'{0.real}'.format(1)", [(1, "format")]),
        ("s = '{}'\ns.format(1)", [(2, "format")]),
        ("'{} and {0}'.format(1)", []),
        ("match 1:\n    case int(__class__=c):\n        pass", [(2, "underscore")]),
        ("from operator import attrgetter", [(1, "import")]),
        ("import json\njson.loads('1')", []),
        ("x = (", [(1, "syntax")]),
        ("import pandas\npandas.io.common.os.environ", [(2, "attribute")]),
    ],
)
def test_findings_name_line_and_rule(program: str, expected: list[tuple[int, str]]) -> None:
    assert rules(program) == expected


def test_message_names_what_is_allowed_instead() -> None:
    (finding,) = check("import os")
    assert finding.render().startswith(
        "line 1: import: module `os` is not allowed (allowed instead:"
    )
    assert "pandas" in finding.allowed


def test_fullwidth_identifiers_are_normalised_before_the_check() -> None:
    assert rules("\uff45\uff56\uff41\uff4c('1')") == [(1, "builtin")]
    assert rules("x = 1\nx.\uff3f") == [(2, "syntax")]


def test_deep_nesting_is_refused_not_crashing() -> None:
    assert rules("x = " + "(" * 5000 + "1" + ")" * 5000)[0][1] == "syntax"
    assert rules("x = " + "[" * 90 + "]" * 90) == [(1, "depth")]


def test_size_cap() -> None:
    assert rules("x = 1\n" * 40_000) == [(1, "size")]


def test_imported_modules_keeps_only_allowed_ones_in_order() -> None:
    program = "import pandas as pd\nimport os\nfrom sklearn.linear_model import X\nimport json"
    assert imported_modules(program) == ["pandas", "sklearn.linear_model", "json"]
