"""The access table of a Security Audit Report, as rows of text already escaped for HTML.

At a thousand schools the reports hold a quarter of a million rows and three million cells. Laid out
from Row objects, each cell cost Jinja an attribute lookup, an autoescape call and a new Markup object:
most of the time spent rendering the pages. Here each value is escaped once, with markupsafe's escape
(what autoescape itself calls, so the HTML is the same), and a value seen before (a date, a status, a
role, a staff type) is not escaped again. The template (audit/report.html.j2) unpacks these tuples in a
loop inside `{% autoescape false %}`: every value that reaches that loop comes from `access_table`.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import escape

from rolebook.output.site.audit import Row

TableRow = tuple[
    str,  # status, lower case, for the row's class
    str, str, str,  # location code, employee number, school name
    list[tuple[str, str, str]],  # roles: (", " before all but the first, page URL, name)
    str, str, str, str, str,  # last name, first name, last login, staff type, status
    str, str, str,  # live since, expires, access (how)
    str, str,  # the request's URL ("" for none) and label
    list[tuple[str, str, str]],  # recorded approvals: (who, the commit approved, when)
    str,  # why there are none ("PR #42: no approval recorded", "Before Rolebook: ...")
    str, str, str,  # last review: its label (or "no review on record"), the decision, who decided
    str, str,  # the review's URL ("" for none) and its request label
    list[tuple[str, str, str]],  # findings: (severity, code, message)
]


class EscapedText(dict[str, str]):
    """text -> the text escaped for HTML, worked out on first use."""

    def __missing__(self, text: str) -> str:
        self[text] = escaped = str(escape(text))
        return escaped


def access_table(rows: list[Row], role_href: Mapping[str, str], repo_url: str,
                 escaped: EscapedText) -> list[TableRow]:
    """The rows of one report; `escaped` can be shared by every report a process renders."""
    table: list[TableRow] = []
    append = table.append
    for row in rows:
        review = row.review
        append((
            escaped[row.status.lower()],
            escaped[row.location], escaped[row.employee], escaped[row.school_name],
            [(", " if n else "", escaped[role_href[role]], escaped[name]) for n, (role, name) in enumerate(row.roles)],
            escaped[row.last_name], escaped[row.first_name], escaped[row.last_login], escaped[row.staff_type],
            escaped[row.status],
            escaped[row.live_since], escaped[row.expires], escaped[row.how],
            request_url(escaped, repo_url, row.pr, row.sha), escaped[row.request],
            [(escaped[who], escaped[commit], escaped[when]) for who, commit, when in row.approvals],
            escaped[row.approval_note],
            escaped[review.review], escaped[review.decision], escaped[review.decided_by],
            request_url(escaped, repo_url, review.pr, review.sha), escaped[review.request],
            [(escaped[f.severity.value], escaped[f.code], escaped[f.message]) for f in row.findings],
        ))
    return table


def request_url(escaped: EscapedText, repo_url: str, pr: int | None, sha: str | None) -> str:
    """The pull request's page, else the commit's, escaped; "" when the repository's address is unknown."""
    if not repo_url:
        return ""
    if pr is not None:
        return escaped[f"{repo_url}/pull/{pr}"]
    if sha:
        return escaped[f"{repo_url}/commit/{sha}"]
    return ""
