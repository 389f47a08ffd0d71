"""What the site's pages need beyond Markdown text (`md`, rolebook.output.markdown_text): page titles,
rule docs' prose as HTML, and rule docs split into prose and examples.

HTML is escaped by Jinja's autoescape. The examples are read by the one parser of rule examples
(rolebook.policy.rules.examples), the one the tests run them with: a page shows no example the tests
do not run.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from markupsafe import Markup

from rolebook.output.templates import site_markdown
from rolebook.policy.rules.examples import RuleExample, doc_parts

CODE_SPAN = re.compile(r"``(.+?)``|`([^`]+)`")


def md(value: object) -> Markup:
    """Text for a Markdown context: shows exactly as written, never as markup."""
    return site_markdown(value)


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

    @property
    def fence(self) -> str:
        """A code fence longer than any run of backticks in the example."""
        longest = max((len(run) for run in re.findall(r"`+", self.text)), default=0)
        return "`" * max(3, longest + 1)


def rule_doc_blocks(doc: str, rule: type | None = None) -> list[DocBlock]:
    """A rule's docstring as prose and `.. rule-example:: fail|pass` blocks, in order.

    An example that cannot be read (an unknown kind, bad YAML) is an ExampleError naming `rule`'s
    source file and line.
    """
    blocks: list[DocBlock] = []
    for part in doc_parts(doc, rule):
        if isinstance(part, RuleExample):
            blocks.append(DocBlock("example", part.source.strip("\n"), outcome=part.kind, caption=part.title))
        elif part.strip():
            blocks.append(DocBlock("text", part.strip()))
    return blocks
