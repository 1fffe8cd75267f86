"""The abstract tree: what the graph knows about code, independent of any target language.

A :class:`CodeSignature` is one item (fn, struct, enum, trait, impl, type alias, const, static, or a
Python class); a :class:`CodeModule` holds items and sub-modules; a :class:`DataFlow` is a chain of
operations rendered as an iterator pipeline or a comment block. Type and expression texts are kept
in a canonical spelling (see :func:`codeloop.knowledge.canonical_rust`) so that two trees compare
equal whatever the formatting of the source they came from. ``entity`` links a node back to its
graph entity and ``line`` to its source line; both are ignored by :meth:`CodeSignature.shape`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CodeItem",
    "CodeModule",
    "CodeSignature",
    "DataFlow",
    "FieldDef",
    "FlowStep",
    "GenericParam",
    "Language",
    "Param",
    "ParamKind",
    "SignatureKind",
    "Variant",
]

Language = Literal["rust", "python"]
SignatureKind = Literal[
    "fn", "struct", "enum", "union", "trait", "impl", "type", "const", "static", "class"
]
ParamKind = Literal["normal", "self", "posonly", "vararg", "kwonly", "kwarg"]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: str | None = None
    line: int | None = None

    def shape(self) -> dict[str, Any]:
        """The node as plain data without graph links and lines: what round-trips compare."""
        shape: dict[str, Any] = _strip_entities(self.model_dump(mode="json"))
        return shape


def _strip_entities(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_entities(v) for k, v in value.items() if k not in ("entity", "line")}
    if isinstance(value, list):
        return [_strip_entities(v) for v in value]
    return value


class GenericParam(_Node):
    """``T: Clone = u8``, ``'a: 'b`` or ``const N: usize = 3``."""

    kind: Literal["type", "lifetime", "const"] = "type"
    name: str
    bounds: list[str] = Field(default_factory=list)
    type: str | None = None
    default: str | None = None


class Param(_Node):
    """A parameter; a Rust receiver is ``kind="self"`` with ``type`` its text (``&mut self``)."""

    name: str
    type: str | None = None
    default: str | None = None
    kind: ParamKind = "normal"


class FieldDef(_Node):
    """A struct/variant field (tuple fields are named ``0``, ``1``, …) or an annotated attribute."""

    name: str
    type: str | None = None
    visibility: str = ""
    default: str | None = None
    doc: str = ""
    attributes: list[str] = Field(default_factory=list)


class Variant(_Node):
    name: str
    form: Literal["unit", "tuple", "named"] = "unit"
    fields: list[FieldDef] = Field(default_factory=list)
    discriminant: str | None = None
    doc: str = ""
    attributes: list[str] = Field(default_factory=list)


class CodeSignature(_Node):
    """One item. ``body`` is ``None`` for a placeholder (``todo!()`` / ``NotImplementedError``);
    ``declaration`` marks an item without any body (a required trait method, ``type Item;``)."""

    kind: SignatureKind
    name: str
    lang: Language = "rust"
    visibility: str = ""
    doc: str = ""
    attributes: list[str] = Field(default_factory=list)
    derives: list[str] = Field(default_factory=list)
    qualifiers: list[str] = Field(default_factory=list)
    generics: list[GenericParam] = Field(default_factory=list)
    where: list[str] = Field(default_factory=list)
    params: list[Param] = Field(default_factory=list)
    returns: str | None = None
    form: Literal["named", "tuple", "unit"] = "named"
    fields: list[FieldDef] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    bounds: list[str] = Field(default_factory=list)
    trait: str | None = None
    self_type: str | None = None
    items: list[CodeSignature] = Field(default_factory=list)
    body: str | None = None
    declaration: bool = False


class FlowStep(_Node):
    op: str
    arg: str = ""


class DataFlow(_Node):
    """``source`` → steps → ``sink``: rendered as an iterator chain or a comment block."""

    kind: Literal["flow"] = "flow"
    name: str
    source: str
    steps: list[FlowStep] = Field(default_factory=list)
    sink: str | None = None
    doc: str = ""


class CodeModule(_Node):
    """A module (a Rust ``mod`` or file, a Python module) with its items and ``use``/imports."""

    kind: Literal["module"] = "module"
    name: str
    lang: Language = "rust"
    visibility: str = ""
    doc: str = ""
    role: str = ""
    attributes: list[str] = Field(default_factory=list)
    uses: list[str] = Field(default_factory=list)
    reexports: list[str] = Field(default_factory=list)
    children: list[CodeItem] = Field(default_factory=list)
    external: bool = False


CodeItem = Annotated[CodeSignature | CodeModule | DataFlow, Field(discriminator="kind")]
