"""Responsible use: the access-request form's tick is recorded in the grant (who accepted which version of
the policy, when, via which issue); the policy can require it from a security level; the validator checks
it: an error for what a pull request grants (RB802), a warning for grants from before (RB803)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO_ROOT, TODAY, git, git_init, make_mini_repo, run_cli
from rolebook.requests.issue_form import RESPONSIBLE_USE_TICK, parse_issue_form

FORM = REPO_ROOT / ".github" / "ISSUE_TEMPLATE" / "access-request.yml"
REQUIRE_HIGH = "  required_from: high\n"


def issue_body(answers: dict[str, str], *, accept: bool) -> str:
    """The issue GitHub writes for the submitted form (the real form's labels and options): `### label`, a
    blank line, the answer or `_No response_`; checkboxes as `- [X] label` or `- [ ] label`."""
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    parts = []
    for item in form["body"]:
        if item["type"] == "markdown":
            continue
        if item["type"] == "checkboxes":
            ticks = ["X" if option.get("required") or accept else " " for option in item["attributes"]["options"]]
            answer = "\n".join(f"- [{tick}] {option['label']}"
                               for tick, option in zip(ticks, item["attributes"]["options"], strict=True))
        else:
            answer = answers.get(item["id"], "") or "_No response_"
        parts.append(f"### {item['attributes']['label']}\n\n{answer}")
    return "\n\n".join(parts) + "\n"


def file_the_form(repo: Path, *, accept: bool, role: str = "Health Office", employee: str = "20000003") -> Any:
    body = repo.parent / "issue-body.md"
    body.write_text(issue_body({"employee": employee, "school": "200", "roles": role,
                                "reason": "Covers the health office."}, accept=accept), encoding="utf-8")
    return run_cli("request", "--from-issue-form", str(body), "--issue-author", "pat-park", "--issue-number", "42",
                   "--pull-request-body", str(repo.parent / "pr-body.md"), "--no-branch", cwd=repo)


def grant_of(repo: Path, code: str, employee: str) -> dict[str, Any]:
    data = yaml.safe_load((repo / f"access/schools/{code}/grants.yaml").read_text(encoding="utf-8"))
    grant: dict[str, Any] = next(g for g in data["grants"] if g["employee"] == employee)
    return grant


def requiring_high(tmp_path: Path) -> Path:
    """The mini district with the real policy, its responsible_use block set to require from high."""
    repo = make_mini_repo(tmp_path / "repo")
    policy = repo / "roles/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  required_from: null\n" in text
    policy.write_text(text.replace("  required_from: null\n", REQUIRE_HIGH), encoding="utf-8")
    return git_init(repo)


def findings(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("validate", "--format", "json", *args, cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


# ---------------------------------------------------------------------------- the form


def test_the_forms_tick_is_the_one_the_parser_reads() -> None:
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    confirmation = next(item for item in form["body"] if item.get("id") == "confirmation")
    labels = [option["label"] for option in confirmation["attributes"]["options"]]
    assert any(label.startswith(RESPONSIBLE_USE_TICK) for label in labels)
    assert parse_issue_form(issue_body({"employee": "1", "school": "2", "roles": "Teacher"}, accept=True)
                            ).accepts_responsible_use
    assert not parse_issue_form(issue_body({"employee": "1", "school": "2", "roles": "Teacher"}, accept=False)
                                ).accepts_responsible_use


def test_an_acceptance_is_recorded_from_the_form(git_repo: Path) -> None:
    result = file_the_form(git_repo, accept=True)
    assert result.returncode == 0, result.stderr
    grant = grant_of(git_repo, "200", "20000003")
    assert grant["roles"] == ["office-manager", "health-office"]
    assert grant["accepted_use"] == {"version": "2026-08", "accepted_on": dt.date.fromisoformat(TODAY),
                                     "by": "20000003", "via": "#42"}
    text = (git_repo / "access/schools/200/grants.yaml").read_text(encoding="utf-8")
    assert '    accepted_use:\n      version: "2026-08"\n' in text  # the file's own layout, quoted strings
    message = git(git_repo, "log", "-1", "--format=%B")
    assert "Responsible use: version 2026-08 accepted by 20000003 on 2026-11-23 via #42." in message
    body = (git_repo.parent / "pr-body.md").read_text(encoding="utf-8")
    assert "Responsible use: version 2026-08 accepted by 20000003" in body


def test_no_tick_records_nothing(git_repo: Path) -> None:
    result = file_the_form(git_repo, accept=False)
    assert result.returncode == 0, result.stderr
    assert "accepted_use" not in grant_of(git_repo, "200", "20000003")


def test_accepting_where_the_policy_names_no_version_is_refused(git_repo: Path) -> None:
    policy = git_repo / "roles/policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace('  version: "2026-08"\n', "  version: null\n"),
                      encoding="utf-8")
    result = run_cli("request", "--employee", "20000003", "--school", "200", "--role", "Health Office",
                     "--accepts-responsible-use", "--no-branch", cwd=git_repo)
    assert result.returncode == 2
    assert "roles/policy.yaml sets no responsible_use.version" in result.stderr
    assert "Traceback" not in result.stderr
    assert file_the_form(git_repo, accept=True).returncode == 0  # the form's tick alone records nothing then
    assert "accepted_use" not in grant_of(git_repo, "200", "20000003")


# ---------------------------------------------------------------------------- the validator


def test_a_pull_request_giving_a_high_role_without_acceptance_fails_at_the_grant(tmp_path: Path) -> None:
    repo = requiring_high(tmp_path)
    made = file_the_form(repo, accept=False, role="Counselor Plus", employee="20000002")  # high security
    assert made.returncode == 0, made.stderr
    code, report = findings(repo, "--base", "HEAD~1")
    assert code == 1
    [error] = [f for f in report["findings"] if f["code"] == "RB802"]
    lines = (repo / "access/schools/200/grants.yaml").read_text(encoding="utf-8").splitlines()
    assert (error["file"], error["severity"], error["employee"]) == ("access/schools/200/grants.yaml", "error",
                                                                     "20000002")
    assert lines[error["line"] - 1].strip() == '- employee: "20000002"'
    assert "is given Counselor Plus at Oak High School" in error["message"]
    assert "records no acceptance" in error["message"]
    assert "--accepts-responsible-use" in error["hint"]
    # The principals' grants from before are not this change's: warnings already on the base, not blocking.
    assert {(f["code"], f["employee"]) for f in report["preexisting"] if f["code"] == "RB803"} >= {
        ("RB803", "20000001"), ("RB803", "20000003")}  # only the school the change touches is checked
    assert not [f for f in report["findings"] if f["code"] == "RB803"]

    # The text report names the file and the line the author looks at.
    text = run_cli("validate", "--base", "HEAD~1", cwd=repo).stdout
    block = text[text.index("access/schools/200/grants.yaml"):]
    assert f"{error['line']}  error    RB802" in block


def test_the_same_request_with_the_tick_passes(tmp_path: Path) -> None:
    repo = requiring_high(tmp_path)
    made = file_the_form(repo, accept=True, role="Counselor Plus", employee="20000002")
    assert made.returncode == 0, made.stderr
    code, report = findings(repo, "--base", "HEAD~1")
    assert code == 0, report["findings"]
    assert not [f for f in report["findings"] if f["code"] in {"RB802", "RB803"}]
    # A moderate role needs nothing when the policy requires it from high.
    assert file_the_form(repo, accept=False, role="Teacher", employee="20000002").returncode == 0
    code, report = findings(repo, "--base", "HEAD~1")
    assert not [f for f in report["findings"] if f["code"] == "RB802"]


def test_grants_from_before_and_old_versions_are_warnings_in_a_full_check(tmp_path: Path) -> None:
    repo = requiring_high(tmp_path)
    grants = repo / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8").replace(
        "    reason: Principal of Maple Elementary\n",
        "    reason: Principal of Maple Elementary\n"
        '    accepted_use: {version: "2025-08", accepted_on: 2025-08-01, by: "10000001", via: "#3"}\n'),
        encoding="utf-8")
    code, report = findings(repo)
    assert code == 0  # warnings: turning the requirement on does not stop the main branch
    warned = {f["employee"]: f for f in report["findings"] if f["code"] == "RB803"}
    assert set(warned) >= {"10000001", "20000001", "10000002", "20000003"}  # principals, office managers
    assert "records an acceptance of version 2025-08, not the current 2026-08" in warned["10000001"]["message"]
    assert warned["10000001"]["severity"] == "warning"
    lines = grants.read_text(encoding="utf-8").splitlines()
    assert lines[warned["10000001"]["line"] - 1].strip().startswith("accepted_use:")  # at the acceptance itself
    assert "records no acceptance" in warned["20000001"]["message"]
    assert not [f for f in report["findings"] if f["code"] == "RB802"]  # no base: nothing is new


def test_an_acceptance_by_someone_else_does_not_count(tmp_path: Path) -> None:
    repo = requiring_high(tmp_path)
    grants = repo / "access/schools/200/grants.yaml"
    text = grants.read_text(encoding="utf-8")
    grants.write_text(text + '  - {employee: "20000002", roles: [counselor-plus], granted: 2026-11-20, '
                             'expires: 2027-07-31, accepted_use: {version: "2026-08", accepted_on: 2026-11-20, '
                             'by: "20000001", via: "#9"}}\n', encoding="utf-8")
    code, report = findings(repo, "--base", "HEAD")
    assert code == 1
    [error] = [f for f in report["findings"] if f["code"] == "RB802"]
    assert "records an acceptance by 20000001, not by the holder" in error["message"]
