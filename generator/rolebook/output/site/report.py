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
    str, str, str, str,  # location, employee, last name, first name
    list[tuple[str, str, str]],  # roles: (", " before all but the first, page URL, name)
    str, str, str, str, str,  # status, last login, staff type, expires, access (how)
    str, str,  # the request's URL ("" for none) and label
    str, str,  # approved by, approved on
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
        if row.pr is not None and repo_url:
            request_url = escaped[f"{repo_url}/pull/{row.pr}"]
        elif row.sha and repo_url:
            request_url = escaped[f"{repo_url}/commit/{row.sha}"]
        else:
            request_url = ""
        append((
            escaped[row.status.lower()],
            escaped[row.location], escaped[row.employee], escaped[row.last_name], escaped[row.first_name],
            [(", " if n else "", escaped[role_href[role]], escaped[name]) for n, (role, name) in enumerate(row.roles)],
            escaped[row.status], escaped[row.last_login], escaped[row.staff_type], escaped[row.expires],
            escaped[row.how],
            request_url, escaped[row.request],
            escaped[row.approved_by], escaped[row.approved_on],
            [(escaped[f.severity.value], escaped[f.code], escaped[f.message]) for f in row.findings],
        ))
    return table
