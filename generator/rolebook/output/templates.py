"""The Jinja environments: one for Markdown and plain text, one for the site's HTML, one loader for both.

Every template lives under rolebook/templates/ and is named from there (`validate/summary.md.j2`,
`site/guide/role.md.j2`). Markdown (job summaries, PR bodies, the approval checklist, commit messages) is
rendered with autoescape off: HTML escaping is wrong in a commit message, and data reaches Markdown
through the `md` filter (`markdown_text`) instead. The site's pages are HTML and Markdown read by
MkDocs, so autoescape is on there and `md` gives markup-safe text. Undefined names are errors in both.
"""

from __future__ import annotations

from functools import cache

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rolebook.output.markdown_text import code_span, markdown_text, mention


@cache
def template_loader() -> BaseLoader:
    """rolebook/templates/, for both environments."""
    return PackageLoader("rolebook", "templates")


@cache
def markdown_environment() -> Environment:
    """Markdown and plain text: autoescape off; `md`, `code` and `mention` filters."""
    env = Environment(loader=template_loader(), autoescape=False,  # noqa: S701 - Markdown, not HTML
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = markdown_text
    env.filters["code"] = code_span
    env.filters["mention"] = mention
    return env


def render_markdown(template: str, **context: object) -> str:
    """A Markdown or plain-text template, rendered."""
    return markdown_environment().get_template(template).render(**context)


def site_markdown(value: object) -> Markup:
    """`markdown_text`, marked safe: it escapes HTML itself, so autoescape must not escape it again."""
    return Markup(markdown_text(value))  # noqa: S704 - escaped by markdown_text


def html_environment() -> Environment:
    """The site's pages: autoescape on, an `md` filter. A new environment each call: the site adds
    its own filters and globals (titles, links) to it."""
    env = Environment(loader=template_loader(), autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True,
                      auto_reload=False)  # one build: no need to look at each template's file again on every use
    env.filters["md"] = site_markdown
    return env
