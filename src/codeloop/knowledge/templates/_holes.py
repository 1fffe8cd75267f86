"""Typed holes: what a template parameter may hold, parsed from the text a user passes."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from codeloop.errors import UserInputError
from codeloop.knowledge._text import canonical_rust, split_top_level
from codeloop.knowledge.rust_parse import parse_rust, rust_syntax_errors

__all__ = ["HoleKind", "parse_hole"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODULE = re.compile(r"^[a-z_][a-z0-9_]*$")
_TRAIT = re.compile(r"^[A-Za-z_][\w:]*(<.+>)?$")
_VARIANT = re.compile(r"^([A-Za-z_]\w*)\s*(?:\((.+)\))?$", re.DOTALL)


class HoleKind(StrEnum):
    TYPE_NAME = "type_name"
    TYPE = "type"
    TRAIT_NAME = "trait_name"
    MODULE_NAME = "module_name"
    IDENT = "ident"
    FIELD_LIST = "field_list"
    VARIANT_LIST = "variant_list"
    NAME_LIST = "name_list"
    FN_LIST = "fn_list"
    TEXT = "text"


def _check_type(hole: str, text: str) -> str:
    if not text or rust_syntax_errors(f"type _X = {text};"):
        raise UserInputError(f"template parameter {hole}={text!r} is not a Rust type")
    return canonical_rust(text)


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def parse_hole(hole: str, kind: HoleKind, text: str) -> Any:
    """The value a template sees: a string, or a list of dicts for the list kinds."""
    text = text.strip()
    if kind in (HoleKind.TYPE_NAME, HoleKind.IDENT):
        if not _IDENT.match(text):
            raise UserInputError(
                f"template parameter {hole}={text!r} must be an identifier like Config"
            )
        return text
    if kind is HoleKind.MODULE_NAME:
        if not _MODULE.match(text):
            raise UserInputError(
                f"template parameter {hole}={text!r} must be a snake_case module name"
            )
        return text
    if kind is HoleKind.TRAIT_NAME:
        if not _TRAIT.match(text):
            raise UserInputError(
                f"template parameter {hole}={text!r} must be a trait path like Display"
            )
        return canonical_rust(text)
    if kind is HoleKind.TYPE:
        return _check_type(hole, text)
    if kind is HoleKind.FIELD_LIST:
        fields = []
        for part in split_top_level(text):
            name, sep, typ = part.partition(":")
            if not sep or not _IDENT.match(name.strip()):
                raise UserInputError(
                    f"template parameter {hole}: {part!r} is not `name: Type`"
                    ' (e.g. "host: String, port: u16")'
                )
            checked = _check_type(hole, typ.strip())
            fields.append(
                {"name": name.strip(), "type": checked, "text": f"{name.strip()}: {checked}"}
            )
        return fields
    if kind is HoleKind.VARIANT_LIST:
        variants = []
        for part in split_top_level(text):
            match = _VARIANT.match(part)
            if match is None:
                raise UserInputError(
                    f"template parameter {hole}: {part!r} is not `Name` or `Name(Type)`"
                    ' (e.g. "Io(std::io::Error), Empty")'
                )
            name, payload = match.group(1), match.group(2)
            payload_type = _check_type(hole, payload) if payload else None
            variants.append(
                {
                    "name": name,
                    "type": payload_type,
                    "source": bool(
                        payload_type and payload_type.rsplit("::", 1)[-1].endswith("Error")
                    ),
                    "message": _words(name),
                    "command": _words(name).replace(" ", "-"),
                    "text": f"{name}({payload_type})" if payload_type else name,
                }
            )
        return variants
    if kind is HoleKind.NAME_LIST:
        names = [p.strip() for p in text.split(",") if p.strip()]
        for name in names:
            if not _IDENT.match(name):
                raise UserInputError(f"template parameter {hole}: {name!r} is not an identifier")
        return names
    if kind is HoleKind.FN_LIST:
        if not text:
            return []
        items = parse_rust("trait _T {" + text.rstrip(";") + ";}")
        if rust_syntax_errors("trait _T {" + text.rstrip(";") + ";}") or not items:
            raise UserInputError(
                f"template parameter {hole}={text!r} must be fn signatures separated by `;`"
            )
        return [
            item.model_copy(update={"declaration": False}).model_dump(
                mode="json", exclude={"entity", "line"}
            )
            for item in items[0].items  # type: ignore[union-attr]
        ]
    return text
