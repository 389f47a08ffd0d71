"""Removal pull requests on real Git repositories, with the real CLI and GitHub's REST shapes.

Nightly runs never void what was approved (a new branch and PR each night, the open PR's head left as it
is), and nobody is in two open removal PRs, whichever command (`hr sync`, `offboard`, `review apply`,
`revoke`) made them: one marker, `rolebook.facts.removal_marker`, written and read by all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import MINI_FILES, TODAY, git, git_init, make_mini_repo, run_cli
from rolebook.facts import removal_marker

NEXT_DAY = "2026-11-24"
LEAVER = "10000003"  # a teacher with access at four schools
SECOND = "20000003"  # next night's leaver, at one school
HEADER = "employee_number,last_name,first_name,staff_type,position,hr_status,location_codes\n"
NIGHT_1 = HEADER + f"{LEAVER},Chen,Carl,certificated,Teacher,separated,100\n"
NIGHT_2 = NIGHT_1 + f"{SECOND},Novak,Nina,classified,Office Technician,separated,200\n"
FOUR_SCHOOLS = {"100", "200", "300", "400"}


def _grants(location: str, entries: list[tuple[str, str]]) -> str:
    lines = [f'location: "{location}"', "grants:"]
    for employee, role in entries:
        lines += [f'  - employee: "{employee}"', f"    roles: [{role}]", "    granted: 2026-08-01",
                  "    expires: 2027-07-31"]
    return "\n".join(lines) + "\n"


def four_school_repo(root: Path) -> Path:
    """The mini district with two more schools, and one teacher who works at all four."""
    district = MINI_FILES["access/district.yaml"].replace(
        '          - {code: "200", name: Oak High School, level: high, enrollment: 1500, cluster: ld-test}\n',
        '          - {code: "200", name: Oak High School, level: high, enrollment: 1500, cluster: ld-test}\n'
        '          - {code: "300", name: Pine Middle School, level: middle, enrollment: 800, cluster: ld-test}\n'
        '          - {code: "400", name: Cedar Elementary, level: elementary, enrollment: 400, cluster: ld-test}\n')
    staff = MINI_FILES["access/staff.yaml"].rstrip() + "\n" + textwrap.indent(textwrap.dedent("""\
        - {employee: "30000003", last_name: Moss, first_name: Mia, staff_type: certificated, position: Principal, hr_status: processed, locations: ["300"], git_username: mia-moss}
        - {employee: "40000003", last_name: Reed, first_name: Ray, staff_type: certificated, position: Principal, hr_status: processed, locations: ["400"], git_username: ray-reed}
        """), "          ")
    school_200 = MINI_FILES["access/schools/200/grants.yaml"].rstrip() + "\n" + textwrap.indent(textwrap.dedent(f"""\
        - employee: "{LEAVER}"
          roles: [teacher]
          granted: 2026-08-01
          expires: 2027-07-31
        """), "          ")
    assert district.count("Pine Middle") == 1
    root = make_mini_repo(root, {
        "access/district.yaml": district, "access/staff.yaml": staff, "access/schools/200/grants.yaml": school_200,
        "access/schools/300/grants.yaml": _grants("300", [("30000003", "principal"), (LEAVER, "teacher")]),
        "access/schools/400/grants.yaml": _grants("400", [("40000003", "principal"), (LEAVER, "teacher")]),
    })
    return git_init(root)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return four_school_repo(tmp_path / "repo")


def export(tmp: Path, text: str, name: str = "hr.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def hr_sync(repo: Path, hr_export: Path, *extra: str, day: str = TODAY, body: Path | None = None) -> dict:
    result = run_cli("hr", "sync", "--export", str(hr_export), "--pr-body", str(body or repo.parent / "body.md"),
                     "--format", "json", *extra, cwd=repo, env={"ROLEBOOK_TODAY": day})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def open_prs(path: Path, prs: list[dict]) -> Path:
    """Open pull requests as GitHub's REST "list pull requests" gives them (the fields we read, in place)."""
    full = [{"url": f"https://api.github.com/repos/district/access/pulls/{p['number']}", "state": "open",
             "title": p.pop("title", "Remove access"), "user": {"login": p.pop("author", "rolebook-hr[bot]")},
             "base": {"ref": "main", "sha": "0" * 40}, **p} for p in prs]
    path.write_text(json.dumps(full), encoding="utf-8")
    return path


def holders(branch_text: str) -> set[str]:
    return {g["employee"] for g in yaml.safe_load(branch_text)["grants"] or []}


def locations_holding(repo: Path, ref: str, employee: str) -> set[str]:
    found = set()
    for code in sorted(FOUR_SCHOOLS):
        if employee in holders(git(repo, "show", f"{ref}:access/schools/{code}/grants.yaml")):
            found.add(code)
    return found


def rest_approval(path: Path, login: str, sha: str) -> Path:
    """GitHub's REST list-reviews JSON: uppercase states, commit_id, user.login."""
    path.write_text(json.dumps([{
        "id": 1, "node_id": "PRR_1", "user": {"login": login, "type": "User"}, "body": "",
        "state": "APPROVED", "commit_id": sha, "submitted_at": "2026-11-23T09:00:00Z",
        "author_association": "MEMBER",
    }]), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- nightly runs


def test_next_nights_leaver_gets_a_new_pr_and_the_approved_head_stays(repo: Path, tmp_path: Path) -> None:
    first = hr_sync(repo, export(tmp_path, NIGHT_1), body=tmp_path / "body-1.md")
    first_branch = f"hr/leavers-{TODAY}"
    assert first["action"] == "create" and first["branch"] == first_branch
    assert locations_holding(repo, "main", LEAVER) == FOUR_SCHOOLS
    assert locations_holding(repo, first_branch, LEAVER) == set()
    body_1 = (tmp_path / "body-1.md").read_text()
    assert removal_marker.parse(body_1).remove == {LEAVER: FOUR_SCHOOLS}
    assert "one approval from an access administrator or a principal of an affected school is enough" in body_1
    approved_head = git(repo, "rev-parse", first_branch)
    assert approved_head == first["commit"]

    # The next night, with the first PR open (as GitHub lists it: head.ref, head.sha, body, user.login).
    prs = open_prs(tmp_path / "open-prs.json", [
        {"number": 41, "head": {"ref": first_branch, "sha": approved_head}, "body": body_1}])
    second = hr_sync(repo, export(tmp_path, NIGHT_2), "--open-prs", str(prs), day=NEXT_DAY,
                     body=tmp_path / "body-2.md")
    assert second["action"] == "create" and second["branch"] == f"hr/leavers-{NEXT_DAY}"
    assert second["employees"] == [SECOND]
    assert second["in_other_prs"] == {LEAVER: 41}
    assert second["left_to_open_prs"] == {LEAVER: {code: 41 for code in FOUR_SCHOOLS}}
    assert git(repo, "rev-parse", first_branch) == approved_head  # never pushed to: its approvals stand
    # The new branch holds only the second leaver's removal; the first is left to #41.
    assert SECOND not in holders(git(repo, "show", f"{second['branch']}:access/schools/200/grants.yaml"))
    assert locations_holding(repo, second["branch"], LEAVER) == FOUR_SCHOOLS
    assert git(repo, "rev-parse", f"{second['branch']}^") == git(repo, "rev-parse", "main")
    staff_2 = {m["employee"]: m for m in yaml.safe_load(git(repo, "show", f"{second['branch']}:access/staff.yaml"))
               ["staff"]}
    assert staff_2[LEAVER]["hr_status"] == "processed"  # the entry is #41's to change, not this PR's
    body_2 = (tmp_path / "body-2.md").read_text()
    assert removal_marker.parse(body_2).remove == {SECOND: {"200"}}
    assert "#41" in body_2

    # One approval from an access administrator, given on #41's head, passes the gate for that head.
    reviews = rest_approval(tmp_path / "reviews.json", "ada-itd", approved_head)
    gate = run_cli("approvals", "--repo", str(repo), "--base", "main", "--head", approved_head,
                   "--author", "rolebook-hr[bot]", "--reviews", str(reviews), "--format", "json")
    assert gate.returncode == 0, gate.stdout + gate.stderr


def test_a_second_run_the_same_day_takes_a_new_name_and_summarises_who_was_left(repo: Path, tmp_path: Path) -> None:
    first = hr_sync(repo, export(tmp_path, NIGHT_1))
    prs = open_prs(tmp_path / "open-prs.json", [
        {"number": 41, "head": {"ref": first["branch"], "sha": first["commit"]},
         "body": (repo.parent / "body.md").read_text()}])
    summary = tmp_path / "summary.md"
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "GITHUB_STEP_SUMMARY": str(summary)}  # run_cli drops it
    result = subprocess.run([sys.executable, "-m", "rolebook", "hr", "sync", "--export",
                             str(export(tmp_path, NIGHT_2)), "--open-prs", str(prs)],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{LEAVER}: already in an open removal pull request" in result.stdout
    assert f"new branch hr/leavers-{TODAY}-2" in result.stdout
    text = summary.read_text()
    assert "never a push to an open pull request" in text
    assert f"| {LEAVER} | " in text and "#41 (100)" in text


def test_what_a_held_person_gained_since_goes_into_a_new_pr(repo: Path, tmp_path: Path) -> None:
    """Documented rule: the old PR keeps what it removes; the remainder (a new location) gets a new PR."""
    prs = open_prs(tmp_path / "open-prs.json", [{
        "number": 7, "head": {"ref": "access/offboard-2026-11-20", "sha": "a" * 40},
        "body": removal_marker.write("offboard", {LEAVER: ["100", "200", "300"]})}])
    report = hr_sync(repo, export(tmp_path, NIGHT_1), "--open-prs", str(prs))
    assert report["action"] == "create" and report["employees"] == [LEAVER]
    assert report["left_to_open_prs"] == {LEAVER: {"100": 7, "200": 7, "300": 7}}
    assert locations_holding(repo, report["branch"], LEAVER) == {"100", "200", "300"}  # only 400 removed here
    assert removal_marker.parse((repo.parent / "body.md").read_text()).remove == {LEAVER: {"400"}}


# ---------------------------------------------------------------------------- one marker, read by all


def test_offboard_leaves_an_hr_sync_pr_alone_and_hr_sync_an_offboard_pr(repo: Path, tmp_path: Path) -> None:
    first = hr_sync(repo, export(tmp_path, NIGHT_1))
    hr_prs = open_prs(tmp_path / "hr-prs.json", [
        {"number": 41, "head": {"ref": first["branch"], "sha": first["commit"]},
         "body": (repo.parent / "body.md").read_text()}])
    offboard_export = export(tmp_path, f"Employee Number,Status\n{LEAVER},separated\n{SECOND},separated\n", "off.csv")
    body = tmp_path / "offboard-body.md"
    result = run_cli("offboard", "--hr-export", str(offboard_export), "--open-prs", str(hr_prs), "--pr-body",
                     str(body), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert f"{LEAVER}: already in an open removal pull request" in result.stdout
    branch = git(repo, "branch", "--show-current")
    assert locations_holding(repo, branch, LEAVER) == FOUR_SCHOOLS  # not removed a second time
    marker = removal_marker.parse(body.read_text())
    assert marker.by == "offboard" and marker.remove == {SECOND: {"200"}}
    message = git(repo, "log", "-1", "--format=%B")
    assert removal_marker.parse(message).remove == {SECOND: {"200"}}  # `gh pr create --fill` carries it
    assert "removal-only change" in message
    git(repo, "checkout", "-q", "main")

    # The other way: the offboard PR is open; tonight's sync leaves its person to it.
    both = open_prs(tmp_path / "both.json", [
        {"number": 41, "head": {"ref": first["branch"], "sha": first["commit"]},
         "body": (repo.parent / "body.md").read_text()},
        {"number": 42, "head": {"ref": branch, "sha": git(repo, "rev-parse", branch)}, "body": body.read_text(),
         "author": "ada-itd"}])
    night = hr_sync(repo, export(tmp_path, NIGHT_2), "--open-prs", str(both), day=NEXT_DAY)
    assert night["action"] == "none" and night["branch"] is None
    assert night["in_other_prs"] == {LEAVER: 41, SECOND: 42}


def test_review_apply_and_hr_sync_never_hold_the_same_person_twice(tmp_path: Path) -> None:
    review = {"access/schools/100/reviews/2026-H2.yaml": textwrap.dedent(f"""\
        school: "100"
        period: 2026-H2
        status: completed
        reviewer: pat-park
        reviewed_on: 2026-11-20
        items:
          - {{employee: "10000001", roles: [principal], via: direct, decision: keep, decided_by: lee-ld}}
          - {{employee: "10000002", roles: [office-manager, health-office], via: direct, decision: remove, reason: Left the office}}
          - {{employee: "{LEAVER}", roles: [teacher], via: direct, decision: remove, reason: No longer teaches here}}
          - {{employee: "90000005", roles: [district-administrator], via: cluster ld-test, decision: keep}}
        """)}
    root = four_school_repo(tmp_path / "repo")
    (root / "access/schools/100/reviews").mkdir(parents=True)
    (root / "access/schools/100/reviews/2026-H2.yaml").write_text(review["access/schools/100/reviews/2026-H2.yaml"])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Review of Maple Elementary")

    # review apply first: its PR holds the leaver at 100; hr sync removes only the other three schools.
    body = tmp_path / "apply-body.md"
    applied = run_cli("review", "apply", "--school", "100", "--pr-body", str(body), "--format", "json", cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["removal_only"] is True
    marker = removal_marker.parse(body.read_text())
    assert marker.by == "review-apply" and marker.remove == {LEAVER: {"100"}, "10000002": {"100"}}
    assert "one approval from an access administrator or a principal of an affected school is enough" in \
        body.read_text()
    assert removal_marker.parse(git(root, "log", "-1", "--format=%B", "review/100-2026-H2-apply")).remove == \
        marker.remove
    review_pr = open_prs(tmp_path / "review-pr.json", [
        {"number": 50, "head": {"ref": "review/100-2026-H2-apply", "sha": git(root, "rev-parse",
                                                                             "review/100-2026-H2-apply")},
         "body": body.read_text(), "author": "pat-park"}])
    night = hr_sync(root, export(tmp_path, NIGHT_1), "--open-prs", str(review_pr))
    assert night["left_to_open_prs"] == {LEAVER: {"100": 50}}
    assert locations_holding(root, night["branch"], LEAVER) == {"100"}

    # hr sync's PR open first: review apply leaves the leaver to it and applies the rest.
    hr_pr = open_prs(tmp_path / "hr-pr.json", [
        {"number": 41, "head": {"ref": night["branch"], "sha": night["commit"]},
         "body": removal_marker.write("hr-sync", {LEAVER: sorted(FOUR_SCHOOLS)})}])
    git(root, "branch", "-D", "review/100-2026-H2-apply")
    again = run_cli("review", "apply", "--school", "100", "--open-prs", str(hr_pr), "--format", "json", cwd=root)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["left_to_open_prs"] == {LEAVER: {"100": 41}}
    assert {c["employee"] for c in report["changes"]} == {"10000002"}
    assert LEAVER in holders(git(root, "show", "review/100-2026-H2-apply:access/schools/100/grants.yaml"))


def test_revoke_is_refused_where_an_open_removal_pr_holds_the_person(repo: Path, tmp_path: Path) -> None:
    prs = open_prs(tmp_path / "open-prs.json", [
        {"number": 41, "head": {"ref": f"hr/leavers-{TODAY}", "sha": "b" * 40},
         "body": removal_marker.write("hr-sync", {LEAVER: ["100"]})}])
    refused = run_cli("revoke", "--employee", LEAVER, "--school", "100", "--all", "--open-prs", str(prs), cwd=repo)
    assert refused.returncode == 2 and "open pull request #41" in refused.stderr and "Traceback" not in refused.stderr
    assert git(repo, "branch", "--show-current") == "main"
    done = run_cli("revoke", "--employee", LEAVER, "--school", "200", "--all", "--open-prs", str(prs), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert removal_marker.parse(git(repo, "log", "-1", "--format=%B")).remove == {LEAVER: {"200"}}


def test_an_old_marker_in_an_open_pr_is_still_read_by_every_command(repo: Path, tmp_path: Path) -> None:
    old = open_prs(tmp_path / "old.json", [
        {"number": 9, "head": {"ref": "hr/sync", "sha": "c" * 40},
         "body": f"<!-- rolebook:employees {LEAVER} -->\nThis change was prepared from the HR export."}])
    night = hr_sync(repo, export(tmp_path, NIGHT_1), "--open-prs", str(old))
    assert night["action"] == "none" and night["in_other_prs"] == {LEAVER: 9}
    assert night["left_to_open_prs"] == {LEAVER: {code: 9 for code in FOUR_SCHOOLS}}
    offboard = run_cli("offboard", "--hr-export", str(export(tmp_path, f"Employee Number,Status\n{LEAVER},separated\n",
                                                               "off.csv")), "--open-prs", str(old), cwd=repo)
    assert offboard.returncode == 0 and "No grants to remove" in offboard.stdout and "#9" in offboard.stdout
    revoke = run_cli("revoke", "--employee", LEAVER, "--school", "300", "--all", "--open-prs", str(old), cwd=repo)
    assert revoke.returncode == 2 and "#9" in revoke.stderr
    assert git(repo, "branch", "--list", "access/*") == ""


def test_the_marker_is_written_one_way_and_survives_hostile_codes() -> None:
    text = removal_marker.write("offboard", {LEAVER: ["X-->", "100"]}, [SECOND])
    assert "-->" not in text[:-3]
    parsed = removal_marker.parse(f"Intro\n{text}\nmore")
    assert parsed.remove == {LEAVER: {"100", "X-->"}} and parsed.staff == {SECOND}
    assert removal_marker.parse("<!-- rolebook:removal {not json} -->").employees == frozenset()
