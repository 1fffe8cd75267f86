from __future__ import annotations

from codeloop.lang import PythonSupport
from codeloop.lang._star_imports import expand_star_imports

ROMAN = """from collections import *
from typing import *


def total(s: str) -> int:
    values: Dict[str, int] = {"I": 1, "V": 5}
    return sum(values[c] for c in s)
"""


def test_star_import_becomes_the_names_used_and_an_unused_one_goes() -> None:
    assert expand_star_imports(ROMAN).splitlines()[:2] == ["from typing import Dict", ""]


def test_the_later_star_import_supplies_a_name_both_have_as_python_would() -> None:
    code = "from collections import *\nfrom typing import *\n\nc = Counter('ab')\n"
    assert expand_star_imports(code).startswith("from typing import Counter\n")


def test_unknown_modules_local_names_and_bad_code_are_left_alone() -> None:
    assert expand_star_imports("from numpy import *\nx = array([1])\n").startswith("from numpy")
    shadowed = "from math import *\n\n\ndef sqrt(x: float) -> float:\n    return x\n"
    assert expand_star_imports(shadowed) == shadowed.replace("from math import *\n", "")
    assert expand_star_imports("from typing import *\ndef (:\n") == "from typing import *\ndef (:\n"


def test_a_name_local_to_one_function_is_still_imported_for_another() -> None:
    code = (
        "from math import *\n\n\ndef f() -> int:\n    pi = 3\n    return pi\n\n\n"
        "def g() -> float:\n    return pi\n"
    )
    assert expand_star_imports(code).startswith("from math import pi\n")


async def test_fix_makes_star_imports_lint_clean() -> None:
    py = PythonSupport()
    fixed = await py.format(await py.fix(ROMAN))
    assert (await py.lint(fixed)).diagnostics == ()
    assert "import *" not in fixed
    assert "dict[str, int]" in fixed
