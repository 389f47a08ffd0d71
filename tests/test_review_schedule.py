"""The scheduled reviews: one pull request per school and period, never a second, and a stopped run resumes.

Real Git repositories in tmp folders and the real CLI. The open pull requests are given as GitHub's REST
"list pull requests" returns them (number, state, head.ref/sha/repo, user, body), built from what the
previous run opened, as the workflow's `gh api .../pulls?state=open` would list them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from conftest import git, git_init, make_mini_repo, open_pull_request, run_cli, write_files

JANUARY = {"ROLEBOOK_TODAY": "2027-01-04"}
THIRD_SCHOOL = {
    "access/schools/300/grants.yaml": """
        location: "300"
        grants:
          - employee: "20000003"
            roles: [office-manager]
            granted: 2026-08-01
            expires: 2027-07-31
        """,
}


def district(tmp_path: Path) -> Path:
    """The mini district with a third school, Pine Middle (300), in the same local district."""
    root = make_mini_repo(tmp_path / "repo")
    text = (root / "access/district.yaml").read_text()
    oak = next(line for line in text.splitlines() if 'code: "200"' in line)
    pine = oak.replace('"200"', '"300"').replace("Oak High School", "Pine Middle")
    write_files(root, {"access/district.yaml": text.replace(oak, f"{oak}\n{pine}"), **THIRD_SCHOOL})
    return git_init(root)


def schedule(root: Path, open_prs: list[dict[str, Any]], *args: str,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    listing = root.parent / "open-prs.json"
    listing.write_text(json.dumps(open_prs))
    done = run_cli("review", "schedule", "--open-prs", str(listing), "--out", str(root.parent / "bodies"),
                   "--format", "json", *args, cwd=root, env=env or JANUARY)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_one_pull_request_per_school_and_none_twice(tmp_path: Path) -> None:
    root = district(tmp_path)
    first = schedule(root, [])
    assert first["period"] == "2027-H1" and first["due"] is True
    # Code order, schools then offices: a run can resume.
    assert [e["school"] for e in first["opened"]] == ["100", "200", "300", "ITD", "SPEDOPS"]
    maple = first["opened"][0]
    assert maple["branch"] == "review/100-2027-H1"
    assert maple["reviewers"] == ["pat-park", "lee-ld"]  # the principal, and the cluster's approvers
    listed = yaml.safe_load(git(root, "show", f"{maple['branch']}:access/schools/100/reviews/2027-H1.yaml"))
    assert listed["status"] == "open" and len(listed["items"]) == 4
    assert "<!-- rolebook:review 100 2027-H1 -->" in Path(maple["body_file"]).read_text()

    opened = [open_pull_request(number, entry) for number, entry in enumerate(first["opened"], start=41)]
    second = schedule(root, opened)
    assert second["opened"] == []
    assert [(s["school"], s["pr"]) for s in second["skipped"]] == [
        ("100", 41), ("200", 42), ("300", 43), ("ITD", 44), ("SPEDOPS", 45)]
    # The body's marker counts as much as the branch name: a renamed branch is still that review.
    renamed = [dict(pr, head={**pr["head"], "ref": f"renamed-{pr['number']}"}) for pr in opened]
    assert schedule(root, renamed)["opened"] == []


def test_a_stopped_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    root = district(tmp_path)
    first = schedule(root, [], "--max", "2")
    assert [e["school"] for e in first["opened"]] == ["100", "200"] and first["left"] == 3  # 300 and two offices
    # The workflow opened only the first one before its time was up; the second's branch was pushed.
    opened = [open_pull_request(7, first["opened"][0])]
    resumed = schedule(root, opened, "--max", "2")
    assert [e["school"] for e in resumed["opened"]] == ["200", "300"]
    assert resumed["opened"][0]["commit"] == first["opened"][1]["commit"]  # the same commit: nothing new to push


def test_a_review_already_on_main_is_not_opened_again(tmp_path: Path) -> None:
    root = district(tmp_path)
    write_files(root, {"access/schools/100/reviews/2027-H1.yaml": """
        school: "100"
        period: 2027-H1
        status: completed
        reviewer: pat-park
        reviewed_on: 2027-01-02
        items:
          - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
        """})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Review merged")
    result = schedule(root, [])
    assert [e["school"] for e in result["opened"]] == ["200", "300", "ITD", "SPEDOPS"]
    assert result["skipped"] == [{"school": "100", "reason": "done", "pr": None}]


def test_not_due_outside_the_review_months(tmp_path: Path) -> None:
    root = district(tmp_path)
    result = schedule(root, [], env={"ROLEBOOK_TODAY": "2027-03-04"})
    assert result["due"] is False and result["opened"] == [] and "review_months" in result["reason"]
    assert "review/100-2027-H1" not in git(root, "branch")
    forced = schedule(root, [], "--period", "2027-H1", env={"ROLEBOOK_TODAY": "2027-03-04"})
    assert len(forced["opened"]) == 5  # three schools, two offices: workflow_dispatch with a period opens them whatever the month


def test_a_list_of_the_wrong_shape_is_refused_clearly(tmp_path: Path) -> None:
    root = district(tmp_path)
    listing = tmp_path / "open-prs.json"
    listing.write_text(json.dumps({"pulls": []}))
    done = run_cli("review", "schedule", "--open-prs", str(listing), cwd=root, env=JANUARY)
    assert done.returncode == 2 and "expected a JSON array of pull requests" in done.stderr
    assert "Traceback" not in done.stderr
