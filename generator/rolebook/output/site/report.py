"""The rows of a Security Audit Report's access table, as ready HTML.

At a thousand schools the reports hold a quarter of a million rows and three million cells. Laid out
by a template, from Row objects or even from tuples of escaped text, the per-cell work of Jinja (a
lookup, an autoescape call, a Markup object, a string yielded) was most of the time spent rendering the
pages. Here each value is escaped once, with markupsafe's escape (what autoescape itself calls, so the
HTML is the same), a value seen before (a date, a status, a role, a staff type) is not escaped again,
and each row is one formatted string. The template (audit/report.html.j2) places the rows in the table;
the row's markup is `access_rows`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from rolebook.model.findings import Finding
from rolebook.output.site.audit import NO_VALUE, ReviewCells, Row


class EscapedText(dict[str, str]):
    """text -> the text escaped for HTML, worked out on first use."""

    def __missing__(self, text: str) -> str:
        self[text] = escaped = str(escape(text))
        return escaped


def access_rows(rows: list[Row], role_href: Mapping[str, str], repo_url: str, escaped: EscapedText,
                live_since: bool) -> Markup:
    """The table rows of one report, one line of HTML each (with the Live since cell when `live_since`);
    `escaped` can be shared by every report a process renders."""
    out: list[str] = []
    append = out.append
    for row in rows:
        review = row.review
        roles = "".join(f'{", " if n else ""}<a href="{escaped[role_href[role]]}">{escaped[name]}</a>'
                        for n, (role, name) in enumerate(row.roles))
        live = f"<td>{escaped[row.live_since]}</td>" if live_since else ""
        request = escaped[row.request]
        url = request_url(escaped, repo_url, row.pr, row.sha)
        if url:
            request = f'<a href="{url}">{request}</a>'
        approvals = "<br>".join(f'{escaped[who]} <span class="rb-muted">approved {escaped[commit]} on '
                                f'{escaped[when]}</span>' for who, commit, when in row.approvals) \
            if row.approvals else escaped[row.approval_note]
        append(f'<tr class="rb-row--{escaped[row.status.lower()]}"><td>{escaped[row.location]}</td>'
               f'<td>{escaped[row.employee]}</td><td>{escaped[row.school_name]}</td><td>{roles}</td>'
               f'<td>{escaped[row.last_name]}</td><td>{escaped[row.first_name]}</td>'
               f'<td>{escaped[row.last_login]}</td><td>{escaped[row.staff_type]}</td>'
               f'<td class="rb-status">{escaped[row.status]}</td>{live}'
               f'<td class="rb-details"><dl class="rb-cell-facts"><dt>Expires</dt><dd>{escaped[row.expires]}</dd>'
               f'<dt>Access</dt><dd>{escaped[row.how]}</dd><dt>Request</dt><dd>{request}</dd>'
               f'<dt>Approved by</dt><dd class="rb-approved">{approvals}</dd>'
               f'<dt>Last review</dt><dd class="rb-review">{_review(escaped, repo_url, review)}</dd></dl></td>'
               f'<td>{_findings(escaped, row.findings)}</td></tr>\n')
    return Markup("".join(out))  # noqa: S704 - every value is escaped above


def _review(escaped: EscapedText, repo_url: str, review: ReviewCells) -> str:
    """The Last review cell: the decision, who decided, its pull request, the review (or why none)."""
    decision, decided_by = escaped[review.decision], escaped[review.decided_by]
    if decided_by == NO_VALUE:
        return decision if decision != NO_VALUE else escaped[review.review]
    cell = f"{decision}, by {decided_by}"
    request = escaped[review.request]
    if request != NO_VALUE:
        url = request_url(escaped, repo_url, review.pr, review.sha)
        cell += f', <a href="{url}">{request}</a>' if url else f", {request}"
    return f'{cell} <span class="rb-muted">({escaped[review.review]})</span>'


def _findings(escaped: EscapedText, findings: list[Finding]) -> str:
    if not findings:
        return NO_VALUE
    items = "".join(f'<li><span class="rb-sev rb-sev--{escaped[f.severity.value]}">{escaped[f.severity.value]}</span> '
                    f"<code>{escaped[f.code]}</code> {escaped[f.message]}</li>" for f in findings)
    return f'<ul class="rb-findings">{items}</ul>'


def request_url(escaped: EscapedText, repo_url: str, pr: int | None, sha: str | None) -> str:
    """The pull request's page, else the commit's, escaped; "" when the repository's address is unknown."""
    if not repo_url:
        return ""
    if pr is not None:
        return escaped[f"{repo_url}/pull/{pr}"]
    if sha:
        return escaped[f"{repo_url}/commit/{sha}"]
    return ""
