"""Six-monthly access reviews: open, decide, complete, apply, on real Git repositories with the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.loading import load_repository
from rolebook.policy.check import run_rules
from rolebook.policy.rules import all_rules
from rolebook.policy.rules.base import Rule
from rolebook.policy.rules.examples import rule_examples
from rolebook.reviews import latest_review, overdue_reviews

DAY = dt.date.fromisoformat(TODAY)
REVIEW_100 = "access/schools/100/reviews/2026-H2.yaml"


def review_file(school: str, items: str, *, status: str = "submitted", reviewer: str = "pat-park",
                reviewed_on: str = "2026-11-20", period: str = "2026-H2") -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(items).strip("\n"), "  ")
    return {f"access/schools/{school}/reviews/{period}.yaml": (
        f'school: "{school}"\nperiod: {period}\nstatus: {status}\nreviewer: {reviewer}\n'
        f"reviewed_on: {reviewed_on}\nitems:\n{body}\n"
    )}


def codes(root: Path, severity: str | None = None) -> list[str]:
    report = run_rules(load_repository(root), DAY)
    return [f.code for f in report.findings if severity is None or f.severity.value == severity]


def branch_file(root: Path, branch: str, path: str) -> str:
    return git(root, "show", f"{branch}:{path}")


# ---------------------------------------------------------------------------- the whole journey


def test_review_opened_decided_completed_applied_and_evidenced(git_repo: Path) -> None:
    opened = run_cli("review", "open", "--school", "100", "--format", "json", cwd=git_repo)
    assert opened.returncode == 0, opened.stderr
    result = json.loads(opened.stdout)
    assert result["period"] == "2026-H2"  # 2026-11-23 is in July-December
    assert result["opened"][0]["branch"] == "review/100-2026-H2"
    assert not (git_repo / REVIEW_100).exists()  # the working tree is not touched
    listed = yaml.safe_load(branch_file(git_repo, "review/100-2026-H2", REVIEW_100))
    assert listed["status"] == "open" and listed["reviewer"] == "pat-park"
    assert {(i["employee"], i["via"]) for i in listed["items"]} == {
        ("10000001", "direct"), ("10000002", "direct"), ("10000003", "direct"),
        ("90000005", "cluster ld-test"),  # inherited through the cluster
    }
    assert "Rolebook-Review: 100 2026-H2" in git(git_repo, "log", "-1", "--format=%B", "review/100-2026-H2")

    # The principal reviews on the branch.
    git(git_repo, "checkout", "-q", "review/100-2026-H2")
    path = git_repo / REVIEW_100
    path.write_text(path.read_text() + "# Reviewed with the office manager.\n")
    own = run_cli("review", "decide", "--school", "100", "--employee", "10000001", "--decision", "keep",
                  cwd=git_repo)
    assert own.returncode == 1 and "own access" in own.stderr
    steps = [
        ["--employee", "10000001", "--decision", "keep", "--reviewer", "lee-ld"],
        ["--employee", "10000002", "--role", "health-office", "--decision", "remove",
         "--reason", "No longer covers the health office"],
        ["--employee", "10000002", "--role", "office-manager", "--decision", "keep"],
        ["--employee", "10000003", "--decision", "change", "--change-to", "Teacher", "--change-to", "Counselor",
         "--reason", "Now also counsels"],
    ]
    for step in steps:
        done = run_cli("review", "decide", "--school", "100", *step, cwd=git_repo)
        assert done.returncode == 0, done.stderr
    incomplete = run_cli("review", "complete", "--school", "100", cwd=git_repo)
    assert incomplete.returncode == 1 and "RB701" in incomplete.stderr and "90000005" in incomplete.stderr
    assert yaml.safe_load(path.read_text())["status"] == "open"  # left as it was
    done = run_cli("review", "decide", "--school", "100", "--employee", "90000005", "--decision", "keep",
                   cwd=git_repo)
    assert done.returncode == 0, done.stderr
    completed = run_cli("review", "complete", "--school", "100", cwd=git_repo)
    assert completed.returncode == 0, completed.stderr
    text = path.read_text()
    assert "# Reviewed with the office manager." in text  # round-trip: comments survive
    data = yaml.safe_load(text)
    assert data["status"] == "completed" and data["reviewed_on"] == DAY
    validate = run_cli("validate", cwd=git_repo)
    assert "RB70" not in validate.stdout.replace("RB704", ""), validate.stdout  # only 200's overdue warning
    git(git_repo, "commit", "-qam", "Access review 2026-H2 of Maple Elementary")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "review/100-2026-H2", "-m", "Merge review")
    merge = git(git_repo, "rev-parse", "HEAD")

    applied = run_cli("review", "apply", "--school", "100", "--pr-body", str(git_repo.parent / "body.md"),
                      "--format", "json", cwd=git_repo)
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["branch"] == "review/100-2026-H2-apply"
    grants = yaml.safe_load(branch_file(git_repo, "review/100-2026-H2-apply", "access/schools/100/grants.yaml"))
    held = {g["employee"]: g["roles"] for g in grants["grants"]}
    assert held["10000002"] == ["office-manager"]  # health-office removed, the rest kept
    assert held["10000003"] == ["teacher", "counselor"]
    assert held["10000001"] == ["principal"]
    message = git(git_repo, "log", "-1", "--format=%B", "review/100-2026-H2-apply")
    assert "Rolebook-Review: 100 2026-H2" in message and "Reviewed-by: pat-park" in message
    assert git(git_repo, "rev-parse", "review/100-2026-H2-apply^") == merge
    assert "No longer covers the health office" in (git_repo.parent / "body.md").read_text()

    evidence = latest_review(load_repository(git_repo), "100")
    assert evidence is not None
    assert (evidence.reviewer, evidence.reviewed_on, evidence.period) == ("pat-park", DAY, "2026-H2")
    assert evidence.commit == merge
    decisions = {(d.employee, d.roles): d for d in evidence.decisions}
    assert decisions[("10000002", ("health-office",))].decision == "remove"
    assert decisions[("10000002", ("health-office",))].reason == "No longer covers the health office"
    assert decisions[("10000001", ("principal",))].decided_by == "lee-ld"
    assert evidence.counts == {"keep": 3, "remove": 1, "change": 1, "undecided": 0}
    assert latest_review(load_repository(git_repo), "200") is None


def test_open_all_branch_per_school_and_no_branch_in_place(git_repo: Path) -> None:
    result = run_cli("review", "open", "--all", "--period", "2027-H1", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    branches = git(git_repo, "branch", "--format=%(refname:short)").split()
    assert {"review/100-2027-H1", "review/200-2027-H1"} <= set(branches)
    in_place = run_cli("review", "open", "--school", "200", "--no-branch", cwd=git_repo,
                       env={"ROLEBOOK_TODAY": "2026-03-10"})
    assert in_place.returncode == 0, in_place.stderr
    assert (git_repo / "access/schools/200/reviews/2026-H1.yaml").exists()  # January-June is H1
    again = run_cli("review", "open", "--school", "200", "--no-branch", cwd=git_repo,
                    env={"ROLEBOOK_TODAY": "2026-03-10"})
    assert again.returncode == 2 and "already open" in again.stdout


def test_apply_refuses_an_open_review(git_repo: Path) -> None:
    write_files(git_repo, review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: remove, reason: Left}
    """, status="open"))
    result = run_cli("review", "apply", "--school", "100", cwd=git_repo)
    assert result.returncode == 1 and "complete and merge it first" in result.stderr


# ---------------------------------------------------------------------------- the validator


def test_incomplete_review_is_an_error(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", review_file("100", """
        - {employee: "10000002", roles: [office-manager], via: direct, decision: remove, reason: null}
        - {employee: "10000003", roles: [teacher], via: direct, decision: null, reason: null}
        - {employee: "10000001", roles: [principal], via: direct, decision: change, reason: x, decided_by: lee-ld}
    """))
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1
    assert result.stdout.count("RB701") >= 3, result.stdout
    assert "no decision for 10000003" in result.stdout
    # The same file while still open is fine.
    write_files(root, review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: null, reason: null}
    """, status="open"))
    assert "RB701" not in codes(root)


def test_self_review_is_refused(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", review_file("100", """
        - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null}
        - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """))
    report = run_rules(load_repository(root), DAY)
    own = [f for f in report.findings if f.code == "RB703"]
    assert len(own) == 1 and own[0].severity.value == "error" and own[0].employee == "10000001"
    assert own[0].line == 7  # the principal's own item


def test_reviewer_must_be_designated(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null, decided_by: ada-itd}
    """, reviewer="ngozi-o"))
    found = [f for f in run_rules(load_repository(root), DAY).findings if f.code == "RB702"]
    assert {f.message.split()[0] for f in found} == {"ngozi-o", "ada-itd"}
    # The cluster's approvers (ld-test-admins: lee-ld) may review too.
    write_files(root, review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """, reviewer="lee-ld"))
    assert "RB702" not in codes(root)


def test_malformed_review_file_is_reported_at_its_line(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", {REVIEW_100: 'school: "100"\nperiod: 2026-H2\nitems:\n'
                                              '  - {employee: "10000003", roles: [teacher], decison: keep}\n'})
    found = [f for f in run_rules(load_repository(root), DAY).findings if f.code == "RB700"]
    assert found and found[0].line == 4 and "decison" in found[0].message and "decision" in found[0].hint


def test_overdue_and_never_reviewed_schools_warned(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """, status="completed", reviewed_on="2026-03-02", period="2026-H1"))
    repo = load_repository(root)
    late = {o.school: o for o in overdue_reviews(repo, DAY)}
    assert late["100"].due_on == dt.date(2026, 9, 2) and late["100"].last_period == "2026-H1"
    assert late["200"].never_reviewed
    found = [f for f in run_rules(repo, DAY).findings if f.code == "RB704"]
    schools = {f.location for f in found if f.location in repo.schools}
    assert schools == {"100", "200"} and all(f.severity.value == "warning" for f in found)
    # A recent review clears it; an old completed one is history, not re-judged against today's staff.
    write_files(root, review_file("100", """
        - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """, status="completed", reviewed_on="2026-09-15"))
    assert {o.school for o in overdue_reviews(load_repository(root), DAY) if o.school in repo.schools} == {"200"}


# ---------------------------------------------------------------------------- rule examples


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.code.startswith("RB7")], ids=lambda r: r.code)
def test_rule_examples(rule: type[Rule], tmp_path: Path) -> None:
    examples = [(example.kind, example.files) for example in rule_examples(rule)]
    assert {kind for kind, _ in examples} == {"pass", "fail"}
    for number, (kind, files) in enumerate(examples):
        root = make_mini_repo(tmp_path / f"ex{number}", files)
        found = codes(root)
        assert (rule.code in found) == (kind == "fail"), (kind, found)


def test_apply_that_removes_most_of_a_file_acknowledges_it_for_the_removal_delta_rule(tmp_path: Path) -> None:
    """Three decisions, three edits of one file: the share removed is the review's, not each edit's."""
    root = make_mini_repo(tmp_path / "repo", review_file("100", """
        - {employee: "10000001", roles: [principal], via: direct, decision: keep, decided_by: lee-ld}
        - {employee: "10000002", roles: [office-manager, health-office], via: direct, decision: remove, reason: Left the office}
        - {employee: "10000003", roles: [teacher], via: direct, decision: remove, reason: Moved to another school}
        - {employee: "90000005", roles: [district-administrator], via: cluster ld-test, decision: keep}
        """, status="completed"))
    git_init(root)
    applied = run_cli("review", "apply", "--school", "100", cwd=root)
    assert applied.returncode == 0, applied.stderr
    git(root, "checkout", "-q", "review/100-2026-H2-apply")
    grants = yaml.safe_load((root / "access/schools/100/grants.yaml").read_text())
    assert [g["employee"] for g in grants["grants"]] == ["10000001"]
    assert "access review" in grants["acknowledge_removals"].lower()
    validate = run_cli("validate", "--base", "main", "--format", "json", cwd=root)
    assert "RB408" not in {f["code"] for f in json.loads(validate.stdout)["findings"]}
