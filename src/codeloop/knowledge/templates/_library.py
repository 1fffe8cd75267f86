"""The template library: built-ins, users' folders, and templates stored in the graph."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from codeloop.errors import UserInputError
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.templates._template import Hole, Template, TemplateResult
from codeloop.store import Triple

__all__ = ["TemplateLibrary"]

_PREFIX = "template:"


class TemplateLibrary:
    """Templates by name; later sources override earlier ones (user folders override built-ins)."""

    def __init__(self, templates: Iterable[Template] = ()) -> None:
        self._templates: dict[str, Template] = {}
        for template in templates:
            self.add(template)

    @classmethod
    def builtin(cls) -> TemplateLibrary:
        folder = resources.files("codeloop.knowledge.templates") / "builtin"
        found = [
            _from_text(entry.read_text(encoding="utf-8"), entry.name)
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".json")
        ]
        return cls(found)

    def add(self, template: Template) -> None:
        self._templates[template.name] = template

    def load_dir(self, folder: Path) -> list[str]:
        """Add every ``*.json`` / ``*.toml`` template in ``folder``; returns their names."""
        if not folder.is_dir():
            raise UserInputError(
                f"template folder {folder} does not exist; create it or fix the path"
            )
        names: list[str] = []
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".json", ".toml"):
                continue
            template = _from_text(path.read_text(encoding="utf-8"), str(path))
            self.add(template)
            names.append(template.name)
        return names

    def get(self, name: str) -> Template:
        try:
            return self._templates[name]
        except KeyError:
            raise UserInputError(
                f"no template {name!r}; available: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._templates)

    def __iter__(self) -> Iterator[Template]:
        return iter(self._templates[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._templates)

    def instantiate(self, name: str, params: dict[str, str]) -> TemplateResult:
        return self.get(name).instantiate(params, self.get)

    # the graph ---------------------------------------------------------------------------------
    def store(self, graph: CodeGraph, provenance: Provenance) -> int:
        """Write every template as ``template:*`` facts; returns how many facts were new."""
        facts: list[Triple] = []
        meta = provenance.at(None)
        for t in self._templates.values():
            subject = _PREFIX + t.name

            def fact(predicate: str, value: str, subject: str = subject) -> None:
                facts.append(
                    Triple(subject=subject, predicate=predicate, object=value, provenance=meta)
                )

            graph.triples.remove(subject)
            fact("template:name", t.name)
            fact("template:description", t.description)
            fact("template:lang", t.lang)
            for hole in t.holes:
                fact("template:hole", hole.model_dump_json(exclude_defaults=True))
            for use in t.uses:
                fact("template:uses", use)
            for crate in t.requires:
                fact("template:requires", crate)
            for other in t.includes:
                fact("template:includes", _PREFIX + other)
            if t.form != "tree":
                fact("template:form", t.form)
            if t.origin:
                fact("template:origin", json.dumps(t.origin, ensure_ascii=False, sort_keys=True))
            fact("template:body", json.dumps(t.body, ensure_ascii=False, sort_keys=True))
        return graph.triples.add(facts)

    @classmethod
    def from_graph(cls, graph: CodeGraph) -> TemplateLibrary:
        """The templates stored in the graph (built-in, users' or learned)."""
        rows = graph.triples.query_prefix(_PREFIX)
        by_subject: dict[str, dict[str, list[str]]] = {}
        for t in rows:
            by_subject.setdefault(t.subject, {}).setdefault(t.predicate, []).append(t.object)
        templates = []
        for facts in by_subject.values():
            if "template:body" not in facts:
                continue
            templates.append(
                Template(
                    name=facts["template:name"][0],
                    description=facts.get("template:description", [""])[0],
                    lang=facts.get("template:lang", ["rust"])[0],  # type: ignore[arg-type]
                    holes=[Hole.model_validate_json(h) for h in facts.get("template:hole", [])],
                    uses=facts.get("template:uses", []),
                    requires=facts.get("template:requires", []),
                    form=facts.get("template:form", ["tree"])[0],  # type: ignore[arg-type]
                    origin=json.loads(facts.get("template:origin", ["{}"])[0]),
                    body=json.loads(facts["template:body"][0]),
                )
            )
        return cls(templates)


def _from_text(text: str, origin: str) -> Template:
    try:
        data = tomllib.loads(text) if origin.endswith(".toml") else json.loads(text)
        return Template.model_validate(data)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserInputError(f"template file {origin} is not valid: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserInputError(
            f"template file {origin}: {first['msg']} at {'.'.join(map(str, first['loc']))}"
        ) from exc
