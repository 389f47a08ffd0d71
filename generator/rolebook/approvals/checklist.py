"""The gate's checklist, as Markdown for the pull request and the job summary."""

from __future__ import annotations

import html
import re

from jinja2 import Environment, PackageLoader, StrictUndefined

from rolebook.approvals.gate import GateResult

# Characters that Markdown would read as formatting or links; HTML is escaped first.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    """Data (names, reasons) shown as literal text: no HTML, no links, no emphasis, no mentions."""
    escaped = html.escape(text, quote=False)
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", escaped)
    return escaped.replace("@", "&#64;").replace("\n", " ").replace("\r", " ")


def mention(login: str) -> str:
    # Logins are [A-Za-z0-9-] by the model's pattern; escape anyway in case one was read from a payload.
    return "@" + re.sub(r"[^A-Za-z0-9-]", "", login)


def render_markdown(result: GateResult) -> str:
    env = Environment(loader=PackageLoader("rolebook", "templates"), autoescape=False,  # noqa: S701 - Markdown
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = escape_markdown
    env.filters["mention"] = mention
    template = env.get_template("approvals/checklist.md.j2")
    missing = [r for r in result.requirements if not r.satisfied]
    return template.render(result=result, missing=missing)
