"""A clerk's most common mistakes stop the load: they show on the pull request like any finding.

`--format github` puts every load error on stdout as an annotation at its file and line and in the job
summary; the other formats carry them too; no data quoted in a message can start a workflow command.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_cli

UNQUOTED = """location: "100"
grants:
  - employee: 10000003
    roles: [teacher]
    granted: 2026-08-01
    expires: 2027-07-31
"""


def break_on_a_branch(repo: Path, text: str, path: str = "access/schools/100/grants.yaml") -> None:
    git(repo, "checkout", "-q", "-b", "request/typo")
    (repo / path).write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "A clerk's typo")


def test_an_unquoted_employee_number_is_an_annotation_at_its_line_and_in_the_summary(git_repo: Path,
                                                                                    tmp_path: Path) -> None:
    break_on_a_branch(git_repo, UNQUOTED)
    summary = tmp_path / "summary.md"
    for extra in ([], ["--full"]):
        summary.write_text("", encoding="utf-8")
        result = run_cli("validate", "--base", "main", *extra, "--format", "github", "--summary", str(summary),
                         cwd=git_repo)
        assert result.returncode == 2, result.stdout + result.stderr
        annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
        assert len(annotations) == 1, result.stdout
        assert annotations[0].startswith("::error file=access/schools/100/grants.yaml,line=3,")
        assert "quotes" in annotations[0].lower()
        written = summary.read_text(encoding="utf-8")
        assert "the data cannot be loaded" in written
        assert "access/schools/100/grants.yaml:3" in written


def test_without_a_base_too_and_in_every_format(git_repo: Path) -> None:
    (git_repo / "access/schools/100/grants.yaml").write_text(UNQUOTED, encoding="utf-8")
    github = run_cli("validate", "--format", "github", cwd=git_repo)
    assert github.returncode == 2
    assert "::error file=access/schools/100/grants.yaml,line=3," in github.stdout
    as_json = run_cli("validate", "--format", "json", cwd=git_repo)
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["loaded"] is False
    assert document["load_errors"][0]["file"] == "access/schools/100/grants.yaml"
    assert document["load_errors"][0]["line"] == 3
    text = run_cli("validate", cwd=git_repo)
    assert text.returncode == 2
    assert "access/schools/100/grants.yaml:3:" in text.stderr


def test_a_value_cannot_forge_a_workflow_command_through_a_load_error(git_repo: Path) -> None:
    forged = UNQUOTED.replace("roles: [teacher]", 'roles: ["x\\n::warning file=a::forged"]').replace(
        "employee: 10000003", 'employee: "10000003"')
    (git_repo / "access/schools/100/grants.yaml").write_text(forged, encoding="utf-8")
    for output_format in ("text", "github"):
        result = run_cli("validate", "--format", output_format, cwd=git_repo)
        assert result.returncode == 2, result.stdout + result.stderr
        lines = (result.stdout + "\n" + result.stderr).splitlines()
        # The runner reads a line as a command only from its start: the value stays inside our own message.
        assert not [line for line in lines if line.startswith("::") and not line.startswith("::error ")], lines
        assert "forged" in result.stdout + result.stderr
