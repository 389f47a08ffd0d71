"""Offices are reviewed like schools (issue 15: "one review PR per school and per office").

An office's review file is access/offices/<code>/reviews/<period>.yaml; its designated reviewers are its
approver group (access/district.yaml), and the level above it (its cluster's approvers, else the access
administrators) for an approver's own grant. Real Git repositories in tmp folders, the real CLI, and
GitHub's REST shapes (list pull requests; list reviews with uppercase states).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import yaml
from conftest import MINI_FILES, REPO_ROOT, git, git_init, make_mini_repo, open_pull_request, run_cli, write_files
from rolebook import paths
from rolebook.loading.records import is_review_file, review_school

JANUARY = {"ROLEBOOK_TODAY": "2027-01-04"}
SPEDOPS_REVIEW = "access/offices/SPEDOPS/reviews/2027-H1.yaml"
SPEDOPS_BRANCH = "review/SPEDOPS-2027-H1"
APP = "rolebook-reviews[bot]"
# Olga Ops, SPED Operations' only approver, also holds a role in her own office's file.
SPEDOPS_GRANTS = "access/offices/SPEDOPS/grants.yaml"
OLGA_AT_SPEDOPS = {SPEDOPS_GRANTS: textwrap.dedent(MINI_FILES[SPEDOPS_GRANTS]).rstrip() + """
  - employee: "90000004"
    roles: [sped-viewers]
    granted: 2026-08-01
    expires: 2027-07-31
"""}


def test_office_review_paths_are_written_once_in_paths() -> None:
    assert paths.review_path("ITD", "2026-H2", paths.OFFICES_FOLDER) == "access/offices/ITD/reviews/2026-H2.yaml"
    assert paths.review_path("1875", "2026-H2") == "access/schools/1875/reviews/2026-H2.yaml"
    assert is_review_file("access/offices/ITD/reviews/2026-H2.yaml") and review_school(SPEDOPS_REVIEW) == "SPEDOPS"
    assert not is_review_file("access/offices/ITD/grants.yaml")


def schedule(root: Path, open_prs: list[dict[str, Any]]) -> dict[str, Any]:
    listing = root.parent / "open-prs.json"
    listing.write_text(json.dumps(open_prs))
    done = run_cli("review", "schedule", "--open-prs", str(listing), "--out", str(root.parent / "bodies"),
                   "--format", "json", cwd=root, env=JANUARY)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def demo_copy(tmp_path: Path) -> Path:
    """The demo district's data (roles/ and access/) in a Git repository of its own."""
    root = tmp_path / "demo"
    for folder in ("roles", "access"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return git_init(root)


def test_schedule_opens_the_demos_offices_too_and_never_twice(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    district = yaml.safe_load((root / "access/district.yaml").read_text())
    groups = {g["id"]: g for g in yaml.safe_load((root / "access/groups.yaml").read_text())["groups"]}
    logins = {s["employee"]: s.get("git_username") for s in yaml.safe_load((root / "access/staff.yaml").read_text())["staff"]}
    offices = sorted(office["code"] for office in district["offices"])
    schools = sorted(school["code"] for school in district["schools"])

    first = schedule(root, [])
    opened = [entry["school"] for entry in first["opened"]]
    skipped = [entry["school"] for entry in first["skipped"]]
    assert offices and set(offices) <= set(opened)  # no office has a review yet: every one is due
    assert sorted(opened + skipped) == sorted(schools + offices)
    assert opened == [c for c in schools if c in opened] + offices  # schools in code order, then offices
    for entry in first["opened"][len(opened) - len(offices):]:
        code = entry["school"]
        office = next(o for o in district["offices"] if o["code"] == code)
        assert entry["branch"] == f"review/{code}-2027-H1"
        assert entry["file"] == f"access/offices/{code}/reviews/2027-H1.yaml"
        group = groups[office["approvers"]]
        if group.get("github_team"):
            assert group["github_team"] in entry["team_reviewers"]
        else:  # the office's approver group, asked by login
            assert {logins[m] for m in group["members"] if logins.get(m)} <= set(entry["reviewers"])
        listed = yaml.safe_load(git(root, "show", f"{entry['branch']}:{entry['file']}"))
        grants = yaml.safe_load((root / f"access/offices/{code}/grants.yaml").read_text())["grants"] or []
        assert listed["school"] == code and listed["status"] == "open"
        assert len(listed["items"]) == len(grants)  # every grant of the office's file, whatever its scope
        assert f"<!-- rolebook:review {code} 2027-H1 -->" in Path(entry["body_file"]).read_text()

    listing = [open_pull_request(number, entry) for number, entry in enumerate(first["opened"], start=100)]
    second = schedule(root, listing)
    assert second["opened"] == []
    by_code = {s["school"]: s["pr"] for s in second["skipped"]}
    assert all(by_code[code] is not None for code in offices)


def test_an_office_review_decided_from_the_pr_body_becomes_a_complete_review_file(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo", OLGA_AT_SPEDOPS))
    first = schedule(root, [])
    entry = next(e for e in first["opened"] if e["school"] == "SPEDOPS")
    assert entry["file"] == SPEDOPS_REVIEW and entry["branch"] == SPEDOPS_BRANCH
    # Olga's own grant is the level above's: SPEDOPS has no cluster, so the access administrators are asked too.
    assert entry["reviewers"] == ["olga-sped", "ada-itd", "dan-itd", "sue-itd"]
    git(root, "checkout", "-q", SPEDOPS_BRANCH)
    body = Path(entry["body_file"]).read_text()
    assert body.count("- [ ] remove") == 2
    assert "this office's student records" in body and "decided by the level above" in body
    assert f"listed in {SPEDOPS_REVIEW}." in git(root, "log", "-1", "--format=%B", SPEDOPS_BRANCH)
    lines = body.splitlines()
    jo = next(i for i, line in enumerate(lines) if line.startswith("- [ ] remove") and "Jo Jones" in line)
    lines[jo] = lines[jo].replace("- [ ]", "- [x]", 1) + " moved to Transportation"
    edited = "\n".join(lines).replace("- [ ] I have reviewed every grant above",
                                      "- [x] I have reviewed every grant above") + "\n"
    path = tmp_path / "body.md"
    path.write_text(edited)

    def decide_as(login: str) -> dict[str, Any]:
        done = run_cli("review", "decide", "--from-pr-body", str(path), "--reviewer", login, "--format", "json",
                       cwd=root, env=JANUARY)
        assert done.returncode == 0, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    olga = decide_as("olga-sped")
    assert olga["file"] == SPEDOPS_REVIEW
    assert olga["own"] == ["90000004 (sped-viewers, direct)"] and olga["status"] == "open"
    ada = decide_as("ada-itd")  # an access administrator decides Olga's own grant
    assert ada["status"] == "completed"

    data = yaml.safe_load((root / SPEDOPS_REVIEW).read_text())
    assert data["school"] == "SPEDOPS" and data["status"] == "completed" and data["reviewer"] == "olga-sped"
    decisions = {item["employee"]: item for item in data["items"]}
    assert decisions["30000001"]["decision"] == "remove" and decisions["30000001"]["reason"] == "moved to Transportation"
    assert decisions["90000004"]["decision"] == "keep" and decisions["90000004"]["decided_by"] == "ada-itd"
    validate = run_cli("validate", "--format", "json", cwd=root, env=JANUARY)
    findings = json.loads(validate.stdout)["findings"]
    assert [f for f in findings if f["file"] == SPEDOPS_REVIEW] == [], validate.stdout
    assert "SPEDOPS" not in {f["location"] for f in findings if f["code"] == "RB704"}

    # The removals become the grants file's change, with the office's code as --location.
    applied = run_cli("review", "apply", "--location", "SPEDOPS", "--period", "2027-H1", "--no-branch",
                      "--format", "json", cwd=root, env=JANUARY)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["files"] == ["access/offices/SPEDOPS/grants.yaml"]
    left = yaml.safe_load((root / "access/offices/SPEDOPS/grants.yaml").read_text())["grants"]
    assert [g["employee"] for g in left] == ["90000004"]


def test_rb704_flags_an_office_with_no_review_and_rb702_an_outsider(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo")
    done = run_cli("validate", "--format", "json", cwd=root, env=JANUARY)
    late = {f["location"]: f for f in json.loads(done.stdout)["findings"] if f["code"] == "RB704"}
    spedops = late["SPEDOPS"]
    assert spedops["message"] == "office SPEDOPS (SPED Operations) has never completed an access review"
    assert spedops["file"] == "access/district.yaml"
    district = (root / "access/district.yaml").read_text().splitlines()
    assert "SPEDOPS" in district[spedops["line"] - 1]
    assert "review open --school SPEDOPS" in spedops["hint"]

    write_files(root, {SPEDOPS_REVIEW: """
        school: SPEDOPS
        period: 2027-H1
        status: completed
        reviewer: pat-park
        reviewed_on: 2027-01-03
        items:
          - {employee: "30000001", roles: [sped-viewers], via: direct, decision: keep}
        """})
    done = run_cli("validate", "--format", "json", cwd=root, env=JANUARY)
    findings = json.loads(done.stdout)["findings"]
    assert "SPEDOPS" not in {f["location"] for f in findings if f["code"] == "RB704"}
    (outsider,) = [f for f in findings if f["code"] == "RB702"]
    assert outsider["file"] == SPEDOPS_REVIEW
    assert outsider["message"] == "pat-park is not a designated reviewer of office SPEDOPS"
    assert "olga-sped" in outsider["hint"]


def rest_review(login: str, commit: str, review_id: int, state: str = "APPROVED") -> dict[str, Any]:
    """One entry of GitHub's REST "list reviews for a pull request" answer."""
    return {"id": review_id, "node_id": f"PRR_{review_id}", "user": {"login": login, "id": 1000 + review_id,
            "type": "User"}, "body": "", "state": state, "commit_id": commit,
            "submitted_at": f"2027-01-05T10:0{review_id}:00Z", "author_association": "MEMBER"}


def gate(root: Path, reviews: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    listed = root.parent / "reviews.json"
    listed.write_text(json.dumps(reviews))
    done = run_cli("approvals", "--base", "main", "--head", "HEAD", "--author", APP, "--format", "json",
                   "--reviews", str(listed), cwd=root, env=JANUARY)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, list(json.loads(done.stdout)["requirements"])


def test_the_gate_asks_the_offices_approver_group_to_sign_its_review(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    opened = run_cli("review", "open", "--location", "SPEDOPS", "--period", "2027-H1", "--no-branch",
                     cwd=root, env=JANUARY)
    assert opened.returncode == 0, opened.stderr
    assert (root / SPEDOPS_REVIEW).exists()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Open the access review of SPED Operations")
    git(root, "checkout", "-q", "-b", SPEDOPS_BRANCH)

    def submit(reviewer: str) -> str:
        data = yaml.safe_load((root / SPEDOPS_REVIEW).read_text())
        data.update(status="submitted", reviewer=reviewer, reviewed_on="2027-01-05")
        for item in data["items"]:
            item["decision"] = "keep"
        (root / SPEDOPS_REVIEW).write_text(yaml.safe_dump(data, sort_keys=False))
        git(root, "add", "-A")
        git(root, "-c", f"user.name={APP}", "-c", "user.email=rolebook-reviews@users.noreply.github.com",
            "commit", "-q", "-m", "Access review 2027-H1 of SPEDOPS: decisions from the pull request body")
        return git(root, "rev-parse", "HEAD")

    head = submit("olga-sped")
    code, needed = gate(root, [])
    assert code == 1
    assert [(r["eligible"], r["missing"]) for r in needed] == [
        (["olga-sped"], f"`olga-sped` is named as deciding in `{SPEDOPS_REVIEW}` but has not approved `{head}`")]
    code, needed = gate(root, [rest_review("olga-sped", head, 1)])
    assert code == 0 and all(r["satisfied"] for r in needed)

    # A school's principal is no reviewer of an office: refused, whoever approves.
    head = submit("pat-park")
    code, needed = gate(root, [rest_review("pat-park", head, 2), rest_review("olga-sped", head, 3)])
    assert code == 1
    (pat,) = [r for r in needed if r["refused"]]
    assert ("is not a designated reviewer of SPED Operations in the base's data (its approver group"
            in pat["refused"][0])
