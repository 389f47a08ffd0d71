"""The Markdown job summary (for $GITHUB_STEP_SUMMARY and the pull-request comment)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from rolebook.output.report import Validation, rule_names

_ESCAPES = {"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
            "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "~": "\\~"}


def escape(value: object) -> str:
    """Data (names, messages) as literal text in Markdown, safe in a table cell."""
    text = " ".join(str(value if value is not None else "").split())
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def render(result: Validation) -> str:
    env = Environment(loader=PackageLoader("rolebook", "templates/validate"), autoescape=False,  # noqa: S701
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = escape
    template = env.get_template("summary.md.j2")
    return template.render(result=result, names=rule_names(), counts=result.report.counts(),
                           summary_line=result.summary_line())
