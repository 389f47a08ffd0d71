"""Data shown as literal text in Markdown: the one escaper for every page, comment, body and summary.

Names, reasons and messages come from HR exports, reviewers and pull requests. In Markdown they could
become a link (`[x](javascript:...)`), an image, a heading, emphasis, raw HTML, a table's next cell or a
notification (`@team`). So every such value goes through `markdown_text`, in the job summary, the
approval checklist, the HR and review pull-request bodies and the site alike. It must read the same on
GitHub (which can escape any punctuation) and on the site (Python-Markdown, which escapes fewer
characters), so characters Python-Markdown cannot backslash-escape become HTML character references.
"""

from __future__ import annotations

import html
import re

# Python-Markdown's escapable characters (GitHub escapes all of them too), `|` for table cells included.
_BACKSLASHED = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
# Characters with a meaning in Markdown that Python-Markdown cannot backslash-escape: `~` is
# strikethrough on GitHub, `@` a mention.
_REFERENCES = {"~": "&#126;", "@": "&#64;"}
_REFERENCED = re.compile("[" + re.escape("".join(_REFERENCES)) + "]")
_LOGIN_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


def markdown_text(value: object) -> str:
    """`value` shown exactly as written, on one line (a newline could end a table row or start a block).

    HTML first (`<`, `>`, `&`), then Markdown's punctuation, then mentions and strikethrough.
    """
    text = " ".join(("" if value is None else str(value)).split())
    text = _BACKSLASHED.sub(r"\\\1", html.escape(text, quote=False))
    return _REFERENCED.sub(lambda match: _REFERENCES[match.group()], text)


def mention(login: str) -> str:
    """A deliberate @mention of a GitHub login (the one place `@` is not neutralised)."""
    # Logins are [A-Za-z0-9-] by the model's pattern; cleaned anyway in case one was read from a payload.
    return "@" + _LOGIN_UNSAFE.sub("", login)


def code_span(value: object) -> str:
    """`value` as inline code: backslashes show as written there, so nothing is escaped; the span's
    backticks outnumber any run of backticks inside."""
    text = " ".join(("" if value is None else str(value)).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
