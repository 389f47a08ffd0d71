"""At district scale the Security Audit Reports are rendered by forked workers while the parent renders the
index pages; the site must be the one a small build renders in one process."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import zipfile
from pathlib import Path

import pytest
from rolebook.output.site import generate as render
from test_site_build import make_site_repo

TODAY = dt.date(2026, 11, 23)
BUILT_AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


def contents(out: Path) -> dict[str, bytes | dict[str, bytes]]:
    """Every generated file; a workbook as its parts, less its creation time."""
    found: dict[str, bytes | dict[str, bytes]] = {}
    for path in sorted(p for folder in ("docs", "theme") for p in (out / folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                found[path.relative_to(out).as_posix()] = {
                    name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}
        else:
            found[path.relative_to(out).as_posix()] = data
    return found


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods(),
                    reason="the reports are only rendered by workers on a machine with fork and two cores")
def test_forked_reports_are_the_in_process_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_site_repo(tmp_path / "repo")
    render.generate_site(repo, "internal", tmp_path / "in-process", today=TODAY, built_at=BUILT_AT)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)  # the mini district's four locations, as if a thousand
    render.generate_site(repo, "internal", tmp_path / "forked", today=TODAY, built_at=BUILT_AT)
    in_process, forked = contents(tmp_path / "in-process"), contents(tmp_path / "forked")
    assert "docs/audit/schools/security-audit-100.xlsx" in forked and "docs/audit/people.json" in forked
    assert "theme/rolebook/audit/schools/100.html" in forked
    assert "docs/audit/schools/100/as-of.html" in forked  # written by a worker too, the same bytes
    assert forked == in_process


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods(),
                    reason="the as-of pages only have a process of their own on a machine with fork and two cores")
def test_a_failure_in_the_as_of_process_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The as-of pages' process is waited for: its error is the build's, not a hang or a site without them."""
    repo = make_site_repo(tmp_path / "repo")
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the history could not be read")

    monkeypatch.setattr(render, "write_as_of_pages", broken)
    with pytest.raises(RuntimeError, match="the history could not be read"):
        render.generate_site(repo, "internal", tmp_path / "forked", today=TODAY, built_at=BUILT_AT)
    assert not (tmp_path / "forked" / "docs").exists()  # the staged pages never replace a site
