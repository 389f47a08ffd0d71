"""The one Markdown escaper: data reads as written in every Markdown Rolebook writes, never as markup."""

from __future__ import annotations

import html

import markdown
import pytest
from rolebook.output.markdown_text import code_span, markdown_text, mention
from rolebook.output.site.markup import md
from rolebook.output.templates import html_environment, markdown_environment

HOSTILE = [
    "[x](javascript:alert(1))", "![img](http://e.vil/x.png)", "<img src=x onerror=alert(1)>", "# heading",
    "*bold* _it_ `code`", "a | b", "~~struck~~", "@district/everyone please", "Tom & Jerry", "1. item",
    "- item", "+ item", "back\\slash", "{curly}", "line one\nline two", "O'Brien-Smith, Jr.",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_python_markdown_shows_the_text_as_written(text: str) -> None:
    """The site's Markdown (tables on, as mkdocs.yml has it): one paragraph holding exactly the text."""
    shown = markdown.markdown(markdown_text(text), extensions=["tables"])
    assert shown.startswith("<p>") and shown.endswith("</p>")
    inner = shown[len("<p>"):-len("</p>")]
    assert "<" not in inner  # no markup
    assert html.unescape(inner) == " ".join(text.split())  # what the browser shows: no stray backslash either


def test_a_table_cell_stays_one_cell() -> None:
    table = "| a | b |\n| --- | --- |\n| " + markdown_text("x | y\nnext") + " | z |\n"
    shown = markdown.markdown(table, extensions=["tables"])
    assert shown.count("<td>") == 2 and "x | y next" in shown


def test_what_each_output_needs_is_neutralised() -> None:
    assert markdown_text("[x](javascript:alert(1))") == r"\[x\]\(javascript:alert\(1\)\)"
    assert markdown_text("<b>&") == "&lt;b&gt;&amp;"
    assert markdown_text("Carl|<b>x</b> Chen") == "Carl\\|&lt;b&gt;x&lt;/b&gt; Chen"
    assert markdown_text("@team ~x~") == "&#64;team &#126;x&#126;"  # no notification, no strikethrough
    assert markdown_text(None) == "" and markdown_text(42) == "42"
    assert mention("rosa-rivera") == "@rosa-rivera" and mention("x](y") == "@xy"


def test_code_spans_hold_any_backticks() -> None:
    assert code_span("main") == "`main`"
    assert markdown.markdown(code_span("a ``b`` c")) == "<p><code>a ``b`` c</code></p>"


def test_both_environments_escape_with_it() -> None:
    """The Markdown environment (summaries, PR bodies, checklist) and the site's use the one escaper."""
    assert markdown_environment().from_string("{{ v | md }}").render(v="<i>[a]</i>") == markdown_text("<i>[a]</i>")
    site = html_environment().from_string("{{ v | md }}").render(v="<i>[a]</i>")
    assert site == markdown_text("<i>[a]</i>") == str(md("<i>[a]</i>"))  # escaped once, not twice
    assert markdown_environment().loader is html_environment().loader
