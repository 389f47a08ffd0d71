"""Rendering PR bodies, commit messages and job summaries from the Jinja templates in rolebook/templates."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def markdown_text(value: Any) -> str:
    """Text from HR or a reviewer, shown literally: never a link, an image, a heading or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


@cache
def _environment() -> jinja2.Environment:
    # Markdown and commit messages, not HTML: text from people goes through the `md` filter instead.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rolebook", "templates"),
        autoescape=False,  # noqa: S701
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = markdown_text
    return env


def render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)
