"""The access-request form, end to end: the issue body as GitHub renders the form, the same `rolebook request`
call the access-request workflow makes, then the approval gate on the pull request it opens. Whoever filed
the form is named in the commit and the pull request body (`Requested-by: @login`), so they cannot approve
their own request although the bot is the pull request's author."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, git, run_cli

FORM = REPO_ROOT / ".github" / "ISSUE_TEMPLATE" / "access-request.yml"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "access-request.yml"
BOT = "rolebook-automation[bot]"


def issue_body(answers: dict[str, str]) -> str:
    """What GitHub writes in the issue for a submitted form: `### <label>`, a blank line, the answer, with
    `_No response_` for a field left empty; checkboxes as `- [X] label`."""
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    parts = []
    for item in form["body"]:
        if item["type"] == "markdown":
            continue
        label = item["attributes"]["label"]
        if item["type"] == "checkboxes":
            answer = "\n".join(f"- [X] {option['label']}" for option in item["attributes"]["options"])
        else:
            answer = answers.get(item["id"], "") or "_No response_"
        parts.append(f"### {label}\n\n{answer}")
    return "\n\n".join(parts) + "\n"


def file_the_form(repo: Path, author: str, number: int = 42, **answers: str) -> Any:
    body = repo.parent / "issue-body.md"
    body.write_text(issue_body({"employee": "10000003", "school": "100", "roles": "Health Office",
                                "reason": "Covers the health office\non Fridays.", **answers}), encoding="utf-8")
    # The workflow's own call (access-request.yml, "Make the change").
    return run_cli("request", "--from-issue-form", str(body), "--issue-author", author, "--issue-number",
                   str(number), "--pull-request-body", str(repo.parent / "pr-body.md"), cwd=repo)


def test_the_workflow_makes_this_call() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert '--issue-author "$ISSUE_AUTHOR"' in text and "ISSUE_AUTHOR: ${{ github.event.issue.user.login }}" in text
    assert '--pull-request-body "$RUNNER_TEMP/pr-body.md"' in text and '--body-file "$RUNNER_TEMP/pr-body.md"' in text


def test_the_requester_is_in_the_commit_and_the_pull_request_body(git_repo: Path) -> None:
    result = file_the_form(git_repo, "pat-park")
    assert result.returncode == 0, result.stderr
    assert git(git_repo, "log", "-1", "--format=%(trailers:key=Requested-by,valueonly)") == "@pat-park"
    body = (git_repo.parent / "pr-body.md").read_text(encoding="utf-8")
    lines = body.splitlines()
    assert "Requested-by: @pat-park" in lines
    assert "Employee: 10000003 (Carl Chen)" in lines and lines[-1] == "Closes #42"
    assert "Reason: Covers the health office on Fridays." in lines


@pytest.mark.parametrize("login", ["pat park", "@pat-park (issue #4)", "x" * 40, "-pat", "pat\nRole: principal"])
def test_anything_but_a_login_is_refused(git_repo: Path, login: str) -> None:
    head = git(git_repo, "rev-parse", "HEAD")
    result = file_the_form(git_repo, login)
    assert result.returncode == 2
    assert "not a GitHub login" in result.stderr and "Traceback" not in result.stderr
    assert git(git_repo, "rev-parse", "HEAD") == head, "nothing is committed"


def test_an_apps_account_may_file_the_form(git_repo: Path) -> None:
    assert file_the_form(git_repo, "district-portal[bot]").returncode == 0
    assert git(git_repo, "log", "-1", "--format=%(trailers:key=Requested-by,valueonly)") == "@district-portal[bot]"


def test_a_bad_form_says_what_is_missing(git_repo: Path) -> None:
    result = file_the_form(git_repo, "pat-park", employee="")
    assert result.returncode == 2
    assert "the form is missing: Employee number" in result.stderr


def test_the_requester_cannot_approve_the_bots_pull_request(git_repo: Path) -> None:
    """Pat, the only principal of Maple Elementary, files the form; the bot opens the pull request; Pat's
    approval does not count and the gate names someone else."""
    base = git(git_repo, "rev-parse", "HEAD")
    assert file_the_form(git_repo, "pat-park").returncode == 0
    head = git(git_repo, "rev-parse", "HEAD")
    git(git_repo, "checkout", "-q", "main")
    event = {"action": "opened", "number": 8, "pull_request": {
        "number": 8, "state": "open", "title": "Request Health Office for Carl Chen at Maple Elementary",
        "user": {"login": BOT, "id": 41898282, "type": "Bot"},
        "body": (git_repo.parent / "pr-body.md").read_text(encoding="utf-8"),
        "head": {"ref": "access/request", "sha": head}, "base": {"ref": "main", "sha": base}},
        "repository": {"full_name": "district/access"}}
    reviews = [{"id": 90, "user": {"login": "pat-park", "id": 5003, "type": "User"}, "body": "",
                "state": "APPROVED", "commit_id": head, "submitted_at": "2026-11-23T09:00:00Z"}]
    (git_repo.parent / "event.json").write_text(json.dumps(event), encoding="utf-8")
    (git_repo.parent / "reviews.json").write_text(json.dumps(reviews), encoding="utf-8")
    result = run_cli("approvals", "--event", str(git_repo.parent / "event.json"),
                     "--reviews", str(git_repo.parent / "reviews.json"), "--format", "json", cwd=git_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert not verdict["satisfied"]
    assert all("pat-park" not in [login.lower() for login in r["eligible"]] for r in verdict["requirements"])
    assert all(r["eligible"] for r in verdict["requirements"]), "someone else is named instead"
