"""How an OpenAPI schema fragment reads in docs/api-reference.md: its type, its constraints and
a description fit for one Markdown table cell. Pure data in, text out.

May import nothing of the project: api/reference.py is its only user.
"""

from __future__ import annotations

import re
from typing import Any

REF = "#/components/schemas/"
# drf-spectacular appends "* `A` - A" lines to an enum field's description; the type says them.
ENUM_LIST = re.compile(r"\n\n\* `.*", re.DOTALL)


def schema_anchor(name: str) -> str:
    """The anchor of a component's heading, `### Schema: Name`."""
    return f"schema-{name.lower()}"


def cell(text: Any) -> str:
    """Text for one table cell: one line, pipes escaped, "" for nothing."""
    if text is None:
        return ""
    flat = " ".join(ENUM_LIST.sub("", str(text)).split())
    return flat.replace("|", "\\|")


def component(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict] | None:
    """(name, schema) of the component `schema` refers to, also through a one-item allOf."""
    if "allOf" in schema and len(schema["allOf"]) == 1:
        schema = schema["allOf"][0]
    ref = schema.get("$ref", "")
    if not ref.startswith(REF):
        return None
    name = ref[len(REF) :]
    return name, document["components"]["schemas"][name]


def enum_text(values: list[Any]) -> str:
    return "one of " + ", ".join(f"`{value}`" for value in values)


def type_text(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """`integer`, `string (uuid)`, `array of [Order](#schema-order)`, enums spelled out."""
    named = component(document, schema)
    if named is not None:
        name, target = named
        link = f"[{name}](#{schema_anchor(name)})"
        text = enum_text(target["enum"]) if "enum" in target else link
    elif "oneOf" in schema:
        text = " or ".join(type_text(document, option) for option in schema["oneOf"])
    elif schema.get("type") == "array":
        text = "array of " + type_text(document, schema.get("items", {}))
    elif schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = "object of name → " + type_text(document, schema["additionalProperties"])
    else:
        text = schema.get("type", "any")
        if "format" in schema:
            text += f" ({schema['format']})"
        if "enum" in schema:
            text += ": " + enum_text(schema["enum"])
    return text + (" or null" if schema.get("nullable") else "")


def range_text(low: Any, high: Any, unit: str = "") -> str | None:
    if low is not None and high is not None:
        return f"{low} to {high}{unit}"
    if low is not None:
        return f"at least {low}{unit}"
    if high is not None:
        return f"at most {high}{unit}"
    return None


def constraints(schema: dict[str, Any]) -> str:
    """The limits a valid value keeps to, e.g. `1 to 200 characters; default "10"`."""
    found = [
        range_text(schema.get("minLength"), schema.get("maxLength"), " characters"),
        range_text(schema.get("minimum"), schema.get("maximum")),
        range_text(schema.get("minItems"), schema.get("maxItems"), " items"),
    ]
    if "pattern" in schema:
        found.append(f"matches `{schema['pattern']}`")
    if "default" in schema:
        found.append(f"default `{schema['default']}`")
    if "example" in schema:
        found.append(f"e.g. `{schema['example']}`")
    return "; ".join(text for text in found if text)


def fields(
    document: dict[str, Any], schema: dict[str, Any], prefix: str = "", nested: bool = False
) -> list[tuple[str, dict[str, Any], bool]]:
    """(name, schema, required) of every property; with `nested`, the properties of nested
    objects and object lists follow their parent as `items[].product_id`."""
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        rows.append((prefix + name, field, name in required))
        if not nested:
            continue
        inner, suffix = field, "."
        if field.get("type") == "array":
            inner, suffix = field.get("items", {}), "[]."
        target = component(document, inner)
        if target is not None and "properties" in target[1]:
            rows += fields(document, target[1], prefix + name + suffix, nested)
    return rows


def field_table(document: dict[str, Any], schema: dict[str, Any], nested: bool) -> list[str]:
    lines = [
        "| field | type | required | constraints | description |",
        "|---|---|---|---|---|",
    ]
    for name, field, required in fields(document, schema, nested=nested):
        type_cell = cell(type_text(document, field))
        lines.append(
            f"| `{name}` | {type_cell} | {'yes' if required else 'no'} "
            f"| {cell(constraints(field))} | {cell(field.get('description'))} |"
        )
    return lines


def referenced(document: dict[str, Any], value: Any, found: set[str]) -> set[str]:
    """Names of the components `value` refers to, directly or through other components."""
    if isinstance(value, dict):
        ref = value.get("$ref", "")
        if ref.startswith(REF) and ref[len(REF) :] not in found:
            name = ref[len(REF) :]
            found.add(name)
            referenced(document, document["components"]["schemas"][name], found)
        for inner in value.values():
            referenced(document, inner, found)
    elif isinstance(value, list):
        for inner in value:
            referenced(document, inner, found)
    return found
