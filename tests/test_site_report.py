"""The access table of a Security Audit Report: its cells are escaped in Python (rolebook.output.site.report) and laid
out by the template with autoescape off, so this checks the escaping and the links it builds."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from conftest import git
from rolebook.output.site import generate as render
from test_site_build import HOSTILE_EMPLOYEE, HOSTILE_FIRST, HOSTILE_LAST, make_site_repo

REPO_URL = "https://git.example/district/access?a=1&b=2"


def test_report_rows_are_escaped_and_link_their_requests(tmp_path: Path) -> None:
    repo = make_site_repo(tmp_path / "repo")
    settings = repo / "mkdocs.yml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"repo_url: '{REPO_URL}'\n", encoding="utf-8")
    out = tmp_path / "out"
    render.generate_site(repo, "internal", out, today=dt.date(2026, 11, 23))
    fragment = (out / "theme/rolebook/audit/schools/100.html").read_text(encoding="utf-8")
    rows = {re.search(r"<td>100</td><td>(\d{8})</td>", row).group(1): row  # type: ignore[union-attr]
            for row in re.findall(r"<tr class=\"rb-row--[a-z]+\">.*?</tr>", fragment)}
    assert len(rows) >= 2 and all("\n" not in row for row in rows.values())

    url = "https://git.example/district/access?a=1&amp;b=2"
    hostile = rows[HOSTILE_EMPLOYEE]
    assert f'<a href="{url}/pull/42">PR #42</a>' in hostile
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in hostile and HOSTILE_LAST not in hostile
    assert "<td>=HYPERLINK(&#34;http://evil.example/x&#34;,&#34;open&#34;)</td>" in hostile
    assert HOSTILE_FIRST not in hostile
    assert '<a href="../../roles/teacher.html">Teacher</a>' in hostile
    assert '<dd class="rb-approved">PR #42: no approval recorded</dd>' in hostile  # a trailer is no record

    first_commit = git(repo, "rev-list", "--max-parents=0", "HEAD")
    principal = rows["10000001"]
    assert f'<a href="{url}/commit/{first_commit}">commit {first_commit[:8]}</a>' in principal
    assert "Before Rolebook: imported on " in principal and "no approval on record" in principal
