"""Pydantic's validation errors, said in words a school clerk can act on."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from rolebook.loading.errors import LoadError
from rolebook.loading.yamlfile import ParsedFile

_ID_FIELDS = {"employee", "sponsor", "location", "code", "members", "locations", "exclude"}


def translate(parsed: ParsedFile, exc: ValidationError, model: type[BaseModel],
              prefix: tuple[str | int, ...] = ()) -> list[LoadError]:
    errors = []
    for item in exc.errors(include_url=False):
        loc = prefix + tuple(item["loc"])
        # Pydantic adds the name of the union member tried ("ClusterScope", "literal[...]"); the
        # author never wrote those, so they are dropped from the path shown.
        clean = tuple(step for step in loc if not (isinstance(step, str) and _is_union_tag(step)))
        message, hint = _explain(item, clean, model)
        where = ".".join(str(step) for step in clean) or "(top level)"
        errors.append(parsed.error(clean, f"{where}: {message}", hint))
    return _deduplicate(errors)


def _is_union_tag(step: str) -> bool:
    return step[:1].isupper() or step.startswith(("literal[", "function-", "str", "int", "bool"))


def _explain(item: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, str]:
    kind: str = item["type"]
    value = item.get("input")
    field = next((step for step in reversed(loc) if isinstance(step, str)), "")
    if kind == "extra_forbidden":
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(str(field), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(sorted(known))}"
        return f"unknown field '{field}'", hint
    if kind == "missing":
        return f"required field '{field}' is missing", f"add '{field}:' with a value"
    if isinstance(value, bool) and kind in {"string_type", "string_pattern_mismatch"}:
        return (f"YAML read this as {str(value).lower()}, not as text",
                "quote the value, e.g. \"no\", or write the intended text")
    if isinstance(value, int) and not isinstance(value, bool) and kind in {"string_type"}:
        if field in _ID_FIELDS or isinstance(loc[-1], int):
            return (f"{value} was read as a number; identifiers must be quoted strings",
                    f"write it in quotes, e.g. {field or 'employee'}: \"{value:08d}\" — YAML drops leading zeros "
                    "from unquoted numbers")
        return f"{value} was read as a number, but text is expected", f"quote it: \"{value}\""
    if kind == "string_pattern_mismatch":
        if field in {"employee", "sponsor", "members"}:
            return (f"'{value}' is not an 8-digit employee number",
                    "use the 8-digit number from HR (ASCII digits 0-9), in quotes, e.g. \"01234567\"")
        if field in {"roles", "id", "category", "extra_approval", "cluster", "approvers"}:
            return (f"'{value}' is not a valid identifier",
                    "use lowercase letters, digits and dashes, e.g. health-office")
        return f"'{value}' has the wrong form", str(item.get("msg", ""))
    if kind in {"enum", "literal_error"}:
        expected = item.get("ctx", {}).get("expected", "")
        return f"'{value}' is not allowed here", f"use one of: {expected}"
    if kind == "value_error":
        reason = str(item.get("ctx", {}).get("error", item.get("msg", "")))
        if "regular expression" in reason:
            return reason, "fix the pattern (Python's regular expression syntax), or quote it as plain text"
        return reason, "correct the dates so the grant ends after it starts"
    if kind in {"int_type", "float_type", "int_parsing", "float_parsing"}:
        return (f"{_shown(value)} is not a number", "write a number without quotes, e.g. 400")
    if kind in {"bool_type", "bool_parsing"}:
        return f"{_shown(value)} is not true or false", "write true or false, without quotes"
    if kind in {"less_than_equal", "less_than", "greater_than_equal", "greater_than"}:
        return f"{_shown(value)} is out of range: {item.get('msg', '')}", "write a value inside the range"
    if kind.startswith("date") or kind == "datetime_type":
        return f"'{value}' is not a date", "write dates as YYYY-MM-DD, e.g. 2027-06-30"
    if kind == "too_short":
        return "must not be empty", "give at least one value, e.g. roles: [teacher]"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "expected a mapping of fields here", "indent the fields under this key, one 'name: value' per line"
    if kind == "list_type":
        return "expected a list here", "write a list, e.g. [a, b] or one '- item' per line"
    return str(item.get("msg", kind)), ""


def _shown(value: Any) -> str:
    """A value as the author wrote it: text in quotes, true/false in YAML's words."""
    if isinstance(value, bool):
        return str(value).lower()
    return f"'{value}'" if isinstance(value, str) else str(value)


def _known_fields(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        field = getattr(current, "model_fields", {}).get(step)
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _deduplicate(errors: list[LoadError]) -> list[LoadError]:
    # A union (scope) reports one error per member; one message per position is enough.
    seen: set[tuple[int, int]] = set()
    kept = []
    for error in errors:
        key = (error.line, error.column)
        if key not in seen:
            seen.add(key)
            kept.append(error)
    return kept
