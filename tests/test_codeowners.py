"""CODEOWNERS generated from the data, read back by an independent parser (the `codeowners` package)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from codeowners import CodeOwners
from conftest import MINI_FILES, TODAY, make_mini_repo, run_cli
from rolebook.loading import load_repository
from rolebook.policy.check import run_rules

ADMINS = [("USERNAME", "@ada-itd"), ("USERNAME", "@dan-itd"), ("USERNAME", "@sue-itd")]


def generate(root: Path) -> str:
    result = run_cli("codeowners", "--repo", str(root))
    assert result.returncode == 0, result.stderr
    return (root / ".github/CODEOWNERS").read_text()


def test_each_school_folder_resolves_to_exactly_its_approvers(mini_repo: Path) -> None:
    owners = CodeOwners(generate(mini_repo))
    assert owners.of("access/schools/100/grants.yaml") == [("USERNAME", "@pat-park")]
    assert owners.of("access/schools/200/grants.yaml") == [("USERNAME", "@ngozi-o")]
    assert owners.of("access/offices/SPEDOPS/grants.yaml") == [("USERNAME", "@olga-sped")]
    assert owners.of("access/offices/ITD/grants.yaml") == ADMINS
    for path in ("roles/counselor.yaml", "roles/policy.yaml", "access/groups.yaml", "access/district.yaml",
                 "access/staff.yaml", ".github/CODEOWNERS", ".github/workflows/approvals.yml", "README.md"):
        assert owners.of(path) == ADMINS, path


def test_a_school_without_an_approver_falls_to_the_access_administrators(tmp_path: Path) -> None:
    staff = MINI_FILES["access/staff.yaml"].replace(", git_username: pat-park", "")
    root = make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff})
    text = generate(root)
    assert "# /access/schools/100/ (Maple Elementary) has no approver with a Git username" in text
    assert CodeOwners(text).of("access/schools/100/grants.yaml") == ADMINS


def test_check_reports_a_stale_file(mini_repo: Path) -> None:
    assert run_cli("codeowners", "--check", "--repo", str(mini_repo)).returncode == 1  # missing
    generate(mini_repo)
    assert run_cli("codeowners", "--check", "--repo", str(mini_repo)).returncode == 0
    staff = mini_repo / "access/staff.yaml"
    staff.write_text(staff.read_text().replace("git_username: ngozi-o", "git_username: ngozi-okafor"))
    stale = run_cli("codeowners", "--check", "--repo", str(mini_repo))
    assert stale.returncode == 1 and "out of date" in stale.stderr


def _rb601(root: Path) -> list[str]:
    report = run_rules(load_repository(root), dt.date.fromisoformat(TODAY))
    return [f"{f.file}:{f.line}: {f.message}" for f in report.findings if f.code == "RB601"]


def test_rule_rb601(mini_repo: Path) -> None:
    assert _rb601(mini_repo) == []  # no .github: not hosted on GitHub, nothing to check
    (mini_repo / ".github").mkdir()
    assert _rb601(mini_repo) == [".github/CODEOWNERS:1: .github/CODEOWNERS is missing"]
    generate(mini_repo)
    assert _rb601(mini_repo) == []
    path = mini_repo / ".github/CODEOWNERS"
    path.write_text(path.read_text().replace("@pat-park", "@someone-else"))
    found = _rb601(mini_repo)
    assert len(found) == 1 and "/access/schools/100/ @pat-park" in found[0]


def _rb601_findings(root: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    report = run_rules(load_repository(root), dt.date.fromisoformat(TODAY))
    return [(f.line, f.message, f.key) for f in report.findings if f.code == "RB601"]


def test_rule_rb601_reports_each_stale_or_missing_entry_at_its_line(mini_repo: Path) -> None:
    text = generate(mini_repo)
    lines = text.splitlines()
    at_100 = next(i for i, line in enumerate(lines) if line.startswith("/access/schools/100/"))
    lines[at_100] = "/access/schools/100/ @someone-else"
    del lines[next(i for i, line in enumerate(lines) if line.startswith("/access/offices/SPEDOPS/"))]
    lines.insert(at_100 + 1, "/access/schools/999/ @nobody")
    (mini_repo / ".github/CODEOWNERS").write_text("\n".join(lines) + "\n")
    assert _rb601_findings(mini_repo) == [
        (1, ".github/CODEOWNERS has no line for /access/offices/SPEDOPS/; add: /access/offices/SPEDOPS/ @olga-sped",
         ("/access/offices/SPEDOPS/",)),
        (at_100 + 1, f".github/CODEOWNERS line {at_100 + 1} is out of date with the data; it should be: "
                     "/access/schools/100/ @pat-park", ("/access/schools/100/",)),
        (at_100 + 2, f".github/CODEOWNERS line {at_100 + 2} names /access/schools/999/, which is no school or "
                     "office of access/district.yaml: remove it", ("/access/schools/999/",)),
    ]


def test_rule_rb601_reports_the_fixed_lines_once(mini_repo: Path) -> None:
    text = generate(mini_repo)
    (mini_repo / ".github/CODEOWNERS").write_text(text.replace("* @ada-itd", "* @ada").replace(
        "/roles/ @ada-itd", "/roles/ @ada"))
    [(line, message, key)] = _rb601_findings(mini_repo)
    assert key == ("fixed lines",) and text.splitlines()[line - 1].startswith("* @ada-itd")
    assert message.endswith("it should be: * @ada-itd @dan-itd @sue-itd")


def test_rb601_reads_the_file_the_loader_read(mini_repo: Path) -> None:
    """The rule does no I/O: what it compares is `Repository.codeowners`, read by the loader."""
    generate(mini_repo)
    repo = load_repository(mini_repo)
    assert repo.codeowners.github_folder and repo.codeowners.lines[0].startswith("# Generated by")
    (mini_repo / ".github/CODEOWNERS").unlink()  # after the load: the rule still sees the file read
    assert [f for f in run_rules(repo, dt.date.fromisoformat(TODAY)).findings if f.code == "RB601"] == []
