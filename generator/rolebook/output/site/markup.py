"""Escaping for the two places data lands in a page: Markdown text and page titles; rule docs as HTML.

HTML is escaped by Jinja's autoescape. Markdown text also needs its own punctuation escaped, or a name
such as `[x](javascript:...)` would become a link.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from dataclasses import dataclass, field

from markupsafe import Markup

# Python-Markdown's escapable characters, plus `|` for tables.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
CODE_SPAN = re.compile(r"``(.+?)``|`([^`]+)`")
EXAMPLE = re.compile(r"^(\s*)\.\.\s+rule-example::\s*(\w+)\s*(.*)$")
OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")


def md(value: object) -> Markup:
    """Text for a Markdown context: shows exactly as written, never as markup."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())  # one line: a newline could start a Markdown block
    return Markup(html.escape(MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False))  # noqa: S704 - escaped on this line


def title(value: object) -> Markup:
    """A front-matter title: a YAML string, HTML-escaped because the theme prints titles unescaped."""
    text = " ".join(("" if value is None else str(value)).split())
    return Markup(json.dumps(html.escape(text)))  # noqa: S704 - html.escape inside


def prose(text: str) -> Markup:
    """A docstring's paragraphs as HTML: escaped, with `code` spans kept."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for paragraph in paragraphs:
        escaped = html.escape(" ".join(paragraph.split()), quote=False)
        out.append("<p>" + CODE_SPAN.sub(lambda m: f"<code>{m.group(1) or m.group(2)}</code>", escaped) + "</p>")
    return Markup("\n".join(out))  # noqa: S704 - built from escaped text


@dataclass
class DocBlock:
    kind: str  # "text" or "example"
    text: str = ""
    outcome: str = ""  # "fail" or "pass"
    caption: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def fence(self) -> str:
        """A code fence longer than any run of backticks in the example."""
        longest = max((len(run) for run in re.findall(r"`+", self.text)), default=0)
        return "`" * max(3, longest + 1)


def rule_doc_blocks(doc: str) -> list[DocBlock]:
    """Split a rule's docstring into prose and `.. rule-example:: fail|pass` blocks (indented bodies)."""
    blocks: list[DocBlock] = []
    prose_lines: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        match = EXAMPLE.match(lines[i])
        if not match:
            prose_lines.append(lines[i])
            i += 1
            continue
        if "\n".join(prose_lines).strip():
            blocks.append(DocBlock("text", "\n".join(prose_lines).strip()))
        prose_lines = []
        indent = len(match.group(1))
        body: list[str] = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append(lines[i])
            i += 1
        body_lines = textwrap.dedent("\n".join(body)).splitlines()
        options: dict[str, str] = {}
        while body_lines and (not body_lines[0].strip() or OPTION.match(body_lines[0])):
            if option := OPTION.match(body_lines[0]):
                options[option.group(1)] = option.group(2)
            body_lines.pop(0)
        blocks.append(DocBlock("example", "\n".join(body_lines).strip("\n"), outcome=match.group(2).lower(),
                               caption=match.group(3).strip(), options=options))
    if "\n".join(prose_lines).strip():
        blocks.append(DocBlock("text", "\n".join(prose_lines).strip()))
    return blocks
