"""A structural check of an XML document against the pyiso20022 message models, without importing them.

No PyPI package ships the camt.053/054 XSDs, but pyiso20022 ships dataclasses generated from them (xsdata).
Those modules need xsdata at import time, so this reads their source with ``ast`` instead and checks what
the XSD would: element names and order (sequence), required elements and attributes, repetition, choices
holding exactly one element, enumerations, lengths, patterns, decimals, dates and date-times.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from lxml import etree


@dataclass(frozen=True)
class Field:
    name: str  # XML name
    kind: str  # Element | Attribute | Text (the simple content of a complex type) | Wildcard
    type: str  # a class of the model, or a builtin: str, Decimal, XmlDate, XmlDateTime, bool, int
    required: bool
    repeated: bool
    facets: dict[str, Any]


@dataclass(frozen=True)
class Model:
    namespace: str
    classes: dict[str, list[Field]]
    enums: dict[str, set[str]]


def _field(stmt: ast.AnnAssign) -> Field:
    annotation = ast.unparse(stmt.annotation)
    metadata: dict[str, Any] = {}
    assert isinstance(stmt.value, ast.Call)
    for keyword in stmt.value.keywords:
        if keyword.arg == "metadata":
            metadata = ast.literal_eval(_literal(keyword.value))
    repeated = annotation.startswith("list[")
    return Field(
        name=metadata.pop("name", ""),
        kind=metadata.pop("type", "Text"),
        type=re.sub(r"None \| |list\[|\]", "", annotation),
        required=bool(metadata.pop("required", False) or metadata.pop("min_occurs", 0)),
        repeated=repeated,
        facets={key: value for key, value in metadata.items() if key not in {"namespace", "max_occurs"}},
    )


def _literal(node: ast.expr) -> str:
    """The metadata dict's source with ``Decimal("0")`` turned into a plain string literal."""
    return re.sub(r"Decimal\((['\"][^'\"]*['\"])\)", r"\1", ast.unparse(node))


@cache
def load(message: str) -> Model:
    """The model of ``message``, e.g. ``camt.053.001.08``."""
    area, number, _, version = message.split(".")
    spec = find_spec("pyiso20022")
    assert spec is not None
    assert spec.origin is not None
    module = f"{area}_{number}_001_{version}"
    source = Path(spec.origin).parent / area / module / f"{module}.py"
    classes: dict[str, list[Field]] = {}
    enums: dict[str, set[str]] = {}
    for node in ast.parse(source.read_text()).body:
        if not isinstance(node, ast.ClassDef):
            continue
        if any(ast.unparse(base) == "Enum" for base in node.bases):
            enums[node.name] = {ast.literal_eval(s.value) for s in node.body if isinstance(s, ast.Assign)}
        else:
            classes[node.name] = [_field(s) for s in node.body if isinstance(s, ast.AnnAssign)]
    return Model(f"urn:iso:std:iso:20022:tech:xsd:{message}", classes, enums)


def problems(message: str, document: bytes) -> list[str]:
    """Everything in ``document`` that the ``message`` schema would refuse (empty when it conforms)."""
    model = load(message)
    root = etree.fromstring(document)
    if root.tag != f"{{{model.namespace}}}Document":
        return [f"root is {root.tag}"]
    found: list[str] = []
    _check_complex(model, root, "Document", "/Document", found)
    return found


def _check_complex(model: Model, element: etree._Element, cls: str, path: str, found: list[str]) -> None:
    fields = model.classes[cls]
    for attribute in (f for f in fields if f.kind == "Attribute"):
        value = element.get(attribute.name)
        if value is None:
            found.extend([f"{path}: attribute {attribute.name} missing"] if attribute.required else [])
        else:
            _check_simple(model, value, attribute, f"{path}/@{attribute.name}", found)
    for text in (f for f in fields if f.kind == "Text"):
        _check_simple(model, element.text or "", text, path, found)
    if any(f.kind == "Wildcard" for f in fields):
        return
    _check_children(model, element, [f for f in fields if f.kind == "Element"], cls, path, found)


def _check_children(
    model: Model, element: etree._Element, fields: list[Field], cls: str, path: str, found: list[str]
) -> None:
    children = [child for child in element if isinstance(child.tag, str)]
    if cls.endswith("Choice") and len(children) != 1:
        found.append(f"{path}: a choice holds {len(children)} elements")
    position, seen = 0, set[str]()
    for child in children:
        name = etree.QName(child).localname
        child_path = f"{path}/{name}"
        if etree.QName(child).namespace != model.namespace:
            found.append(f"{child_path}: namespace {etree.QName(child).namespace}")
        order = [f.name for f in fields]
        if name not in order or (order.index(name) < position and not cls.endswith("Choice")):
            found.append(f"{child_path}: not allowed here")
            continue
        spec = fields[order.index(name)]
        position = max(position, order.index(name))
        if name in seen and not spec.repeated:
            found.append(f"{child_path}: repeated")
        seen.add(name)
        if spec.type in model.classes:
            _check_complex(model, child, spec.type, child_path, found)
        else:
            _check_simple(model, child.text or "", spec, child_path, found)
    found.extend(f"{path}/{f.name}: missing" for f in fields if f.required and f.name not in seen)


def _check_simple(model: Model, value: str, spec: Field, path: str, found: list[str]) -> None:
    problem = _simple_problem(model, value, spec)
    if problem:
        found.append(f"{path}: {problem} ({value!r})")


def _simple_problem(model: Model, value: str, spec: Field) -> str | None:
    if spec.type in model.enums:
        return None if value in model.enums[spec.type] else f"not one of {sorted(model.enums[spec.type])}"
    facets = spec.facets
    if "pattern" in facets and not re.fullmatch(facets["pattern"], value):
        return f"does not match {facets['pattern']}"
    if not facets.get("min_length", 0) <= len(value) <= facets.get("max_length", len(value)):
        return "length out of range"
    return _typed_problem(value, spec.type, facets)


def _typed_problem(value: str, type_: str, facets: dict[str, Any]) -> str | None:
    try:
        if type_ == "Decimal":
            return _decimal_problem(Decimal(value), facets)
        if type_ == "XmlDate":
            date.fromisoformat(value)
        elif type_ == "XmlDateTime":
            datetime.fromisoformat(value)
        elif type_ == "bool" and value not in {"true", "false", "1", "0"}:
            return "not a boolean"
    except (ValueError, InvalidOperation):
        return f"not a valid {type_}"
    return None


def _decimal_problem(amount: Decimal, facets: dict[str, Any]) -> str | None:
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    if "min_inclusive" in facets and amount < Decimal(facets["min_inclusive"]):
        return "below the minimum"
    if -exponent > facets.get("fraction_digits", 99) or len(amount.as_tuple().digits) > facets.get(
        "total_digits", 99
    ):
        return "too many digits"
    return None
