"""Reviews decided on GitHub: a principal's ticks in the review PR body become the review file, a decision is
changed only on purpose, and a completed review keeps its evidence after its reviewer is suspended.

Real Git repositories in tmp folders and the real CLI; the PR body is the one `review schedule` writes,
edited as GitHub's task-list checkboxes are ('- [ ]' to '- [x]').
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import git, git_init, make_mini_repo, run_cli, write_files

JANUARY = {"ROLEBOOK_TODAY": "2027-01-04"}
REVIEW = "access/schools/100/reviews/2027-H1.yaml"
BRANCH = "review/100-2027-H1"


def scheduled(tmp_path: Path) -> tuple[Path, str]:
    """A repository with the 2027-H1 review of school 100 prepared by the scheduled run, checked out."""
    root = git_init(make_mini_repo(tmp_path / "repo"))
    prs = tmp_path / "open-prs.json"
    prs.write_text("[]")
    done = run_cli("review", "schedule", "--open-prs", str(prs), "--out", str(tmp_path / "bodies"), cwd=root,
                   env=JANUARY)
    assert done.returncode == 0, done.stderr
    git(root, "checkout", "-q", BRANCH)
    return root, (tmp_path / "bodies" / "100.md").read_text()


def tick(body: str, who: str, reason: str = "") -> str:
    lines = body.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith("- [ ] remove") and f"— {who}" in line]
    assert len(found) == 1, who
    lines[found[0]] = lines[found[0]].replace("- [ ]", "- [x]", 1) + (f" {reason}" if reason else "")
    return "\n".join(lines) + "\n"


def confirm(body: str) -> str:
    return body.replace("- [ ] I have reviewed every grant above", "- [x] I have reviewed every grant above")


def decide_from(root: Path, body: str, login: str) -> tuple[int, dict[str, object], str]:
    path = root.parent / f"body-{login}.md"
    path.write_text(body)
    done = run_cli("review", "decide", "--from-pr-body", str(path), "--reviewer", login, "--format", "json",
                   cwd=root, env=JANUARY)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def test_a_principals_ticks_become_a_complete_review_file(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    assert "<!-- rolebook:review 100 2027-H1 -->" in body
    assert body.count("- [ ] remove") == 4  # every grant reaching the school, the cluster's included
    edited = confirm(tick(body, "Carl Chen", "left the school in December"))

    code, report, err = decide_from(root, edited, "pat-park")
    assert code == 0, err
    assert report["own"] == ["10000001 (principal, direct)"]  # nobody decides on their own access
    assert report["status"] == "open" and report["undecided"] == ["10000001 (principal, direct)"]
    # The local district's approver saves the same body: the principal's own grant is decided, the rest kept.
    code, report, err = decide_from(root, edited, "lee-ld")
    assert code == 0, err
    assert report["status"] == "completed" and report["decided"] == ["10000001 (principal, direct): keep"]

    data = yaml.safe_load((root / REVIEW).read_text())
    assert data["status"] == "completed" and str(data["reviewed_on"]) == "2027-01-04"
    assert data["reviewer"] == "pat-park"
    decisions = {item["employee"]: item for item in data["items"]}
    assert decisions["10000003"]["decision"] == "remove"
    assert decisions["10000003"]["reason"] == "left the school in December"
    assert decisions["10000002"]["decision"] == "keep" and "decided_by" not in decisions["10000002"]
    assert decisions["10000001"]["decided_by"] == "lee-ld"
    validate = run_cli("validate", "--format", "json", cwd=root, env=JANUARY)
    review_codes = {f["code"] for f in json.loads(validate.stdout)["findings"] if f["file"] == REVIEW}
    assert review_codes == set(), validate.stdout


def test_unconfirmed_ticks_are_recorded_but_the_review_stays_open(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    code, report, err = decide_from(root, tick(body, "Carl Chen"), "pat-park")
    assert code == 0, err
    assert report["confirmed"] is False and report["status"] == "open"
    item = next(i for i in yaml.safe_load((root / REVIEW).read_text())["items"] if i["employee"] == "10000003")
    assert item["decision"] == "remove" and "pat-park" in item["reason"]  # a reason even when none was written


def test_hostile_bodies_are_refused_with_the_line(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    before = (root / REVIEW).read_text()
    forged = body + "- [x] remove — Sam <!-- rolebook:grant 20000002 counselor direct -->\n"
    code, _report, err = decide_from(root, confirm(forged), "pat-park")
    assert code == 2 and "20000002" in err and "not an item of the review file" in err
    first_grant = next(line for line in body.splitlines() if line.startswith("- [ ] remove"))
    twice = body + first_grant.replace("- [ ]", "- [x]") + "\n"
    code, _report, err = decide_from(root, twice, "pat-park")
    assert code == 2 and "differently" in err
    dropped = "\n".join(line for line in body.splitlines() if "Carl Chen" not in line)
    code, _report, err = decide_from(root, confirm(dropped), "pat-park")
    assert code == 2 and "10000003" in err and "put the line back" in err
    fenced = body.replace("<!-- rolebook:review 100 2027-H1 -->", "<!-- rolebook:review 200 2027-H1 -->")
    code, _report, err = decide_from(root, fenced, "pat-park")
    assert code == 2 and "school 200" in err
    code, _report, err = decide_from(root, confirm(body), "ngozi-o")  # another school's principal
    assert code == 1 and "not a designated reviewer of school 100" in err
    assert (root / REVIEW).read_text() == before  # nothing written by any of them


def test_lines_in_a_code_block_do_not_count(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    carl = next(line for line in body.splitlines() if "Carl Chen" in line)
    quoted = body + "\n```\n" + carl.replace("- [ ]", "- [x]") + "\n```\n"
    code, _report, err = decide_from(root, quoted, "pat-park")
    assert code == 0, err
    item = next(i for i in yaml.safe_load((root / REVIEW).read_text())["items"] if i["employee"] == "10000003")
    assert item["decision"] == "keep"


def test_decide_without_role_refuses_to_overwrite_a_remove(tmp_path: Path) -> None:
    root, _body = scheduled(tmp_path)
    removed = run_cli("review", "decide", "--school", "100", "--period", "2027-H1", "--employee", "10000002",
                      "--role", "health-office", "--decision", "remove", "--reason", "No longer covers it",
                      cwd=root, env=JANUARY)
    assert removed.returncode == 0, removed.stderr
    overwrite = run_cli("review", "decide", "--school", "100", "--period", "2027-H1", "--employee", "10000002",
                        "--decision", "keep", cwd=root, env=JANUARY)
    assert overwrite.returncode == 2
    assert "10000002 (health-office, direct) is already decided: remove" in overwrite.stderr
    assert "--change" in overwrite.stderr
    items = yaml.safe_load((root / REVIEW).read_text())["items"]
    assert [i["decision"] for i in items if i["employee"] == "10000002"] == ["remove", None]
    on_purpose = run_cli("review", "decide", "--school", "100", "--period", "2027-H1", "--employee", "10000002",
                         "--decision", "keep", "--change", cwd=root, env=JANUARY)
    assert on_purpose.returncode == 0, on_purpose.stderr
    items = yaml.safe_load((root / REVIEW).read_text())["items"]
    assert [i["decision"] for i in items if i["employee"] == "10000002"] == ["keep", "keep"]


def test_open_says_done_with_when_by_whom_and_the_next_one(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", {"access/schools/100/reviews/2026-H2.yaml": """
        school: "100"
        period: 2026-H2
        status: completed
        reviewer: pat-park
        reviewed_on: 2026-09-15
        items:
          - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
        """})
    git_init(root)
    again = run_cli("review", "open", "--school", "100", "--period", "2026-H2", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "already open" not in again.stdout
    assert "done on 2026-09-15 by pat-park; the next one is due by 2027-03-15 (2027-H1)" in again.stdout


COMPLETED = """
    school: "100"
    period: 2026-H2
    status: completed
    reviewer: pat-park
    reviewed_on: 2026-11-20
    items:
      - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null, decided_by: lee-ld}
      - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """


def suspend_the_principal(root: Path) -> None:
    grants = root / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text().replace("    reason: Principal of Maple Elementary\n",
                                                 "    reason: Principal of Maple Elementary\n    status: suspended\n"))


def rb702(root: Path, *args: str) -> list[dict[str, object]]:
    result = run_cli("validate", *args, "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["code"] == "RB702"]


def test_a_completed_review_stays_valid_after_its_reviewer_is_suspended(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/schools/100/reviews/2026-H2.yaml": COMPLETED}))
    assert rb702(root) == []
    suspend_the_principal(root)
    git(root, "commit", "-qam", "Suspend the principal of Maple Elementary")
    assert rb702(root) == []  # judged by the data of the commit that completed it
    # Pull-request mode on a later change leaves the evidence alone too.
    git(root, "checkout", "-q", "-b", "later")
    write_files(root, {"access/schools/200/grants.yaml": (root / "access/schools/200/grants.yaml").read_text()
                       + "  - employee: \"20000003\"\n    roles: [teacher]\n    granted: 2026-11-01\n"})
    git(root, "commit", "-qam", "A teacher at Oak")
    assert rb702(root, "--base", "main") == []


def test_a_completed_review_stays_valid_after_its_reviewer_has_left(tmp_path: Path) -> None:
    """Gone from the grants and from the staff directory: the login is read from the directory as it was."""
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/schools/100/reviews/2026-H2.yaml": COMPLETED}))
    grants = root / "access/schools/100/grants.yaml"
    text = grants.read_text()
    start = text.index('  - employee: "10000001"')
    grants.write_text(text[:start] + text[text.index('  - employee: "10000002"'):])
    staff = root / "access/staff.yaml"
    staff.write_text("".join(line for line in staff.read_text().splitlines(keepends=True) if "pat-park" not in line))
    git(root, "commit", "-qam", "Pat Park has left")
    assert rb702(root) == []


def test_a_review_written_after_the_suspension_is_judged_by_todays_data(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    suspend_the_principal(root)
    git(root, "commit", "-qam", "Suspend the principal of Maple Elementary")
    write_files(root, {"access/schools/100/reviews/2026-H2.yaml": COMPLETED})
    assert [f["message"] for f in rb702(root)] == ["pat-park is not a designated reviewer of school 100"]
    git(root, "checkout", "-q", "-b", "review")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A review by a suspended principal")
    assert len(rb702(root)) == 1  # committed: the data of its own commit has the suspension too
    assert len(rb702(root, "--base", "main")) == 1  # and the change that writes it is judged by its data


def _note(body: str, who: str, words: str, ticked: bool = False) -> str:
    """The grant line of `who`, with `words` written after it (and ticked, if asked)."""
    lines = body.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith("- [ ] remove") and f"— {who}" in line]
    assert len(found) == 1, who
    line = lines[found[0]] + f" {words}"
    lines[found[0]] = line.replace("- [ ]", "- [x]", 1) if ticked else line
    return "\n".join(lines) + "\n"


def test_change_to_other_roles_is_decided_in_the_body_too(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    edited = _note(body, "Rosa Rivera", "change to: Office Manager; no health office duties since January")
    code, report, err = decide_from(root, edited, "pat-park")
    assert code == 0, err
    assert "10000002 (office-manager, health-office, direct): change" in report["decided"]
    item = next(i for i in yaml.safe_load((root / REVIEW).read_text())["items"] if i["employee"] == "10000002")
    assert (item["decision"], item["change_to"], item["reason"]) == (
        "change", ["office-manager"], "no health office duties since January")

    # Saving the same body again changes nothing; keeping the grant again is a change made on purpose.
    code, report, err = decide_from(root, edited, "pat-park")
    assert code == 0 and report["decided"] == [] and report["changed"] == [], err
    code, report, err = decide_from(root, body, "pat-park")
    assert code == 0, err
    assert report["changed"] == ["10000002 (office-manager, health-office, direct): change -> keep"]


def test_a_change_that_cannot_be_read_is_refused_with_the_line(tmp_path: Path) -> None:
    root, body = scheduled(tmp_path)
    before = (root / REVIEW).read_text()
    for words, ticked, says in (("change to: Office Manager", True, "ticked for removal and asking for a change"),
                                ("change to: Chief Wizard", False, "'Chief Wizard', which is not a role"),
                                ("change to:", False, "names no role")):
        code, _report, err = decide_from(root, _note(body, "Rosa Rivera", words, ticked), "pat-park")
        assert code == 2 and "body line" in err and says in err, err
        assert (root / REVIEW).read_text() == before  # nothing written
