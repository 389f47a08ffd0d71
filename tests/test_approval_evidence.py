"""Approvals as evidence in Git: `rolebook record-approvals` writes GitHub's reviews of a merged pull
request as a note on its merge commit, and the history the audit reads takes the approvers from there.

Real Git repositories (a `--no-ff` merge as GitHub writes it, a squash merge), the real CLI, and review
lists in the shape of GitHub's REST list-reviews answer (uppercase states)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import MINI_FILES, REPO_ROOT, git, git_init, make_mini_repo, run_cli
from rolebook.facts.approval_records import NOTES_REF, STALE, read_approval_records
from rolebook.facts.history import NOT_RECORDED, RecordedApproval, read_history

GRANTS_200 = "access/schools/200/grants.yaml"
REPOSITORY = "district/access"


def review(review_id: int, login: str, state: str, commit: str, submitted_at: str, pr: int = 42) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/pulls/{n}/reviews, as GitHub's docs show it."""
    return {
        "id": review_id,
        "node_id": f"PRR_kwDO{review_id}",
        "user": {"login": login, "id": 1000 + review_id, "node_id": f"U_{login}", "type": "User",
                 "site_admin": False, "html_url": f"https://github.com/{login}"},
        "body": "Looks right." if state == "APPROVED" else "",
        "state": state,
        "html_url": f"https://github.com/{REPOSITORY}/pull/{pr}#pullrequestreview-{review_id}",
        "pull_request_url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{pr}",
        "author_association": "MEMBER",
        "_links": {"html": {"href": f"https://github.com/{REPOSITORY}/pull/{pr}#pullrequestreview-{review_id}"},
                   "pull_request": {"href": f"https://api.github.com/repos/{REPOSITORY}/pulls/{pr}"}},
        "submitted_at": submitted_at,
        "commit_id": commit,
    }


def closed_event(pr: int, head: str, merge: str, base: str, author: str, merged: bool = True) -> dict[str, Any]:
    """A `pull_request` webhook payload with action `closed`."""
    return {
        "action": "closed",
        "number": pr,
        "pull_request": {
            "number": pr, "state": "closed", "merged": merged,
            "merged_at": "2026-11-20T16:05:09Z" if merged else None,
            "merge_commit_sha": merge,
            "user": {"login": author, "type": "User"},
            "head": {"sha": head, "ref": "grant-teacher"},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPOSITORY}},
        },
        "repository": {"full_name": REPOSITORY},
    }


def grant(employee: str, role: str = "teacher") -> str:
    return (f'  - employee: "{employee}"\n    roles: [{role}]\n    granted: 2026-11-01\n'
            "    expires: 2027-07-31\n")


def add_grant(root: Path, employee: str, message: str, role: str = "teacher") -> str:
    with (root / GRANTS_200).open("a", encoding="utf-8") as handle:
        handle.write(grant(employee, role))
    git(root, "commit", "-q", "-am", message)
    return git(root, "rev-parse", "HEAD")


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def record(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("record-approvals", "--repo", str(root), *args)


@pytest.fixture
def merged(tmp_path: Path) -> dict[str, Any]:
    """main with a direct import commit, then PR #42 (two commits) merged with `--no-ff` as GitHub does."""
    root = git_init(make_mini_repo(tmp_path / "repo"), "Import today's access from the SIS")
    base = git(root, "rev-parse", "HEAD")
    git(root, "switch", "-q", "-c", "grant-teacher")
    first = add_grant(root, "10000003", "Grant teacher at Oak\n\nApproved-by: lee-ld")
    # The pull request also hands ngozi-o's login to someone else: the record must read the base's staff.
    staff = (root / "access/staff.yaml").read_text(encoding="utf-8")
    staff = staff.replace("git_username: ngozi-o}", "}").replace(
        "locations: [\"200\"]}\n  - {employee: \"20000003\"", "locations: [\"200\"], git_username: ngozi-o}\n"
        "  - {employee: \"20000003\"", 1)
    (root / "access/staff.yaml").write_text(staff, encoding="utf-8")
    head = add_grant(root, "20000002", "And a counselor role\n\nApproved-by: pat-park", role="counselor")
    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "grant-teacher", "-m",
        "Merge pull request #42 from district/grant-teacher\n\nGrant teacher at Oak\n\nApproved-by: sue-itd")
    merge = git(root, "rev-parse", "HEAD")
    reviews = [
        review(101, "lee-ld", "APPROVED", first, "2026-11-19T09:00:00Z"),  # on the earlier commit: stale
        review(102, "ngozi-o", "APPROVED", head, "2026-11-20T10:15:00Z"),
        review(103, "ngozi-o", "COMMENTED", head, "2026-11-20T10:20:00Z"),  # does not undo the approval
        review(104, "ada-itd", "APPROVED", head, "2026-11-20T11:00:00Z"),
        review(105, "olga-sped", "CHANGES_REQUESTED", head, "2026-11-20T11:30:00Z"),
        review(106, "dan-itd", "DISMISSED", head, "2026-11-20T12:00:00Z"),
    ]
    return {"root": root, "base": base, "first": first, "head": head, "merge": merge,
            "reviews": write_json(tmp_path / "reviews.json", reviews), "tmp": tmp_path}


def test_a_no_ff_merge_records_the_approvals_that_stood_on_the_head(merged: dict[str, Any]) -> None:
    root = merged["root"]
    result = record(root, "--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", merged["merge"],
                    "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["written"] is True and out["notes_ref"] == NOTES_REF
    note = json.loads(git(root, "notes", f"--ref={NOTES_REF}", "show", merged["merge"]))
    assert note["pr"] == 42 and note["merge_commit"] == merged["merge"]
    assert note["base"] == merged["base"] and note["head"] == merged["head"]  # the head: the second parent
    assert note["merged_at"] == "2026-11-01T10:00:00+00:00"  # without an event: the merge commit's date
    assert note["approvals"] == [
        {"login": "ada-itd", "employee": "90000001", "name": "Ada Admin", "commit_id": merged["head"],
         "submitted_at": "2026-11-20T11:00:00Z", "review_id": 104},
        # The base's staff directory names the approver, not the one the pull request wrote.
        {"login": "ngozi-o", "employee": "20000001", "name": "Ngozi Okafor", "commit_id": merged["head"],
         "submitted_at": "2026-11-20T10:15:00Z", "review_id": 102},
    ]
    reasons = {n["login"]: n["reason"] for n in note["not_counted"]}
    assert reasons == {"lee-ld": STALE, "olga-sped": "changes requested", "dan-itd": "dismissed"}

    history = read_history(root)
    commit = history.introduced(GRANTS_200, "10000003")
    assert commit is not None and commit.sha == merged["merge"] and commit.pr == 42
    assert commit.approvers == ["ada-itd", "ngozi-o"]
    assert commit.approvals[1] == RecordedApproval("ngozi-o", "20000001", "Ngozi Okafor", merged["head"],
                                                   "2026-11-20T10:15:00Z", 102)
    assert not commit.before_rolebook


def test_trailers_never_count_and_an_older_commits_approval_does_not_either(merged: dict[str, Any],
                                                                            tmp_path: Path) -> None:
    root = merged["root"]
    history = read_history(root)
    commit = history.introduced(GRANTS_200, "10000003")
    assert commit is not None and commit.approvers == [NOT_RECORDED]  # three Approved-by trailers, no record
    only_stale = write_json(tmp_path / "stale.json", [review(101, "lee-ld", "APPROVED", merged["first"],
                                                             "2026-11-19T09:00:00Z")])
    result = record(root, "--pr", "42", "--reviews", str(only_stale), "--merge-commit", merged["merge"])
    assert result.returncode == 1, result.stderr  # recorded, and said: nobody approved what was merged
    assert "no approval stood on the merged head" in result.stdout
    commit = read_history(root).introduced(GRANTS_200, "10000003")
    assert commit is not None and commit.approvers == [NOT_RECORDED] and commit.approvals == ()
    assert read_approval_records(root)[merged["merge"]].pr == 42


def test_recording_again_rewrites_the_same_note(merged: dict[str, Any]) -> None:
    root = merged["root"]
    args = ("--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", merged["merge"])
    assert record(root, *args).returncode == 0
    notes = git(root, "rev-parse", NOTES_REF)
    again = record(root, *args)
    assert again.returncode == 0 and "already recorded, unchanged" in again.stdout
    assert git(root, "rev-parse", NOTES_REF) == notes  # no new commit on the notes ref
    assert git(root, "notes", f"--ref={NOTES_REF}", "list").count("\n") == 0  # one note


def test_a_squash_merge_needs_the_head_and_takes_it_from_the_event(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    base = git(root, "rev-parse", "HEAD")
    git(root, "switch", "-q", "-c", "grant-teacher")
    head = add_grant(root, "10000003", "Grant teacher at Oak")
    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "--squash", "grant-teacher")
    git(root, "commit", "-q", "-m", "Grant teacher at Oak (#43)\n\nApproved-by: ngozi-o")
    squash = git(root, "rev-parse", "HEAD")
    git(root, "branch", "-q", "-D", "grant-teacher")  # GitHub deletes the branch: the head is only a name
    reviews = write_json(tmp_path / "reviews.json", [review(7, "NGOZI-O", "APPROVED", head,
                                                            "2026-11-20T10:15:00Z", pr=43)])
    no_head = record(root, "--pr", "43", "--reviews", str(reviews), "--merge-commit", squash)
    assert no_head.returncode == 2 and "give --head or --event" in no_head.stderr
    assert "Traceback" not in no_head.stderr
    event = write_json(tmp_path / "event.json", closed_event(43, head, squash, base, "rosa-rivera"))
    result = record(root, "--pr", "43", "--reviews", str(reviews), "--merge-commit", squash, "--event", str(event))
    assert result.returncode == 0, result.stderr
    assert "approved by NGOZI-O (employee 20000001, Ngozi Okafor)" in result.stdout  # logins ignore case
    note = read_approval_records(root)[squash]
    assert note.merged_at == "2026-11-20T16:05:09Z" and note.head == head and note.base == base
    commit = read_history(root).introduced(GRANTS_200, "10000003")
    assert commit is not None and commit.pr == 43 and commit.approvers == ["NGOZI-O"]


def test_bad_input_is_refused_with_the_file_and_the_fix(merged: dict[str, Any], tmp_path: Path) -> None:
    root, merge = merged["root"], merged["merge"]
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    other_pr = write_json(tmp_path / "other.json", [review(9, "ngozi-o", "APPROVED", merged["head"],
                                                           "2026-11-20T10:15:00Z", pr=7)])
    of_43 = write_json(tmp_path / "of43.json", [review(9, "ngozi-o", "APPROVED", merged["head"],
                                                       "2026-11-20T10:15:00Z", pr=43)])
    lowercase_object = write_json(tmp_path / "object.json", {"id": 1})
    unmerged = write_json(tmp_path / "event.json", closed_event(42, merged["head"], merge, merged["base"],
                                                                "rosa-rivera", merged=False))
    cases = [
        (("--pr", "42", "--reviews", str(broken), "--merge-commit", merge), f"{broken}: the review list is not valid"),
        (("--pr", "42", "--reviews", str(tmp_path / "missing.json"), "--merge-commit", merge), "missing.json"),
        (("--pr", "42", "--reviews", str(other_pr), "--merge-commit", merge), "not of #42"),
        (("--pr", "42", "--reviews", str(lowercase_object), "--merge-commit", merge), "expected a JSON array"),
        (("--pr", "43", "--reviews", str(of_43), "--merge-commit", merge), "is of pull request #42"),
        (("--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", "f" * 40), "no such commit"),
        (("--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", merged["base"]), "first commit"),
        (("--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", merge, "--head", merged["first"]),
         "not the head"),
        (("--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit", merge, "--event", str(unmerged)),
         "closed without being merged"),
    ]
    for args, message in cases:
        result = record(root, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert not read_approval_records(root)  # nothing written


def test_the_record_survives_a_fresh_clone_once_notes_are_fetched(merged: dict[str, Any], tmp_path: Path) -> None:
    root = merged["root"]
    assert record(root, "--pr", "42", "--reviews", str(merged["reviews"]), "--merge-commit",
                  merged["merge"]).returncode == 0
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "push", "-q", str(remote), "main", f"{NOTES_REF}:{NOTES_REF}")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    cache = clone / "build" / ".cache"
    before = read_history(clone, cache).introduced(GRANTS_200, "10000003")
    assert before is not None and before.approvers == [NOT_RECORDED]  # a plain clone has no notes
    git(clone, "fetch", "-q", "origin", "refs/notes/*:refs/notes/*")
    after = read_history(clone, cache).introduced(GRANTS_200, "10000003")  # a new note: a new cache entry
    assert after is not None and after.approvers == ["ada-itd", "ngozi-o"]
    assert after.approvals[0].employee == "90000001"
    cached = read_history(clone, cache).introduced(GRANTS_200, "10000003")  # from the cache, as it was
    assert cached is not None and cached.approvals == after.approvals
    assert len(list(cache.glob("history-*.json"))) == 2


def test_before_rolebook_is_what_came_before_the_first_pull_request(merged: dict[str, Any]) -> None:
    root = merged["root"]
    add_grant(root, "20000003", "Direct commit on main after the first pull request", role="counselor")
    history = read_history(root)
    by_subject = {c.subject: c for c in history.commits}
    assert by_subject["Import today's access from the SIS"].before_rolebook  # the first commit, no PR
    assert not by_subject["Merge pull request #42 from district/grant-teacher"].before_rolebook
    late = by_subject["Direct commit on main after the first pull request"]
    assert not late.before_rolebook and late.approvers == [NOT_RECORDED]  # skipped review: said so


def test_before_rolebook_covers_every_commit_while_no_pull_request_was_merged(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"), "Import")
    add_grant(root, "10000003", "Fix a typo from the import")
    commits = read_history(root).commits
    assert len(commits) == 2 and all(c.before_rolebook for c in commits)


def test_a_login_nobody_or_two_people_have_is_recorded_without_an_employee(tmp_path: Path) -> None:
    staff = MINI_FILES["access/staff.yaml"].replace("first_name: Sam, staff_type: certificated, position: Counselor,"
                                                    " hr_status: processed, locations: [\"200\"]",
                                                    "first_name: Sam, staff_type: certificated, position: Counselor,"
                                                    " hr_status: processed, locations: [\"200\"], git_username: ADA-itd")
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff}))
    git(root, "switch", "-q", "-c", "b")
    head = add_grant(root, "10000003", "Grant")
    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "b", "-m", "Merge pull request #5 from district/b")
    merge = git(root, "rev-parse", "HEAD")
    reviews = write_json(tmp_path / "r.json", [review(1, "ada-itd", "APPROVED", head, "2026-11-20T10:00:00Z", pr=5),
                                               review(2, "outsider", "APPROVED", head, "2026-11-20T10:01:00Z", pr=5)])
    result = record(root, "--pr", "5", "--reviews", str(reviews), "--merge-commit", merge, "--format", "json")
    assert result.returncode == 0, result.stderr
    approvals = json.loads(result.stdout)["record"]["approvals"]
    assert [(a["login"], a["employee"]) for a in approvals] == [("ada-itd", None), ("outsider", None)]
    assert "more than one person" in result.stderr and "outsider has no record" in result.stderr


def test_the_workflow_runs_mains_code_on_the_push_of_a_merge_and_pushes_only_the_notes() -> None:
    text = (REPO_ROOT / ".github/workflows/record-approvals.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    on = data.get("on", data.get(True))
    assert set(on) == {"push", "workflow_dispatch"} and on["push"]["branches"] == ["main"]
    job = data["jobs"]["record-approvals"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "read"}
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert "ref" not in checkout["with"]  # main as the push left it, never a pull request's head
    script = "\n".join(str(s.get("run", "")) for s in job["steps"])
    assert "pulls/$number/reviews" in script and "--paginate" in script
    assert 'git push --quiet "$remote" "$ref:$ref"' in script and "for attempt in" in script
    assert "refs/notes/rolebook-approvals" in script and "git push --force" not in script


def _step_script(name: str) -> str:
    data = yaml.safe_load((REPO_ROOT / ".github/workflows/record-approvals.yml").read_text(encoding="utf-8"))
    return str(next(s for s in data["jobs"]["record-approvals"]["steps"] if s.get("name") == name)["run"])


def test_the_workflow_records_again_when_another_run_pushed_its_notes_first(merged: dict[str, Any],
                                                                           tmp_path: Path) -> None:
    """The push step, run by bash against a bare remote: another run's note lands between this run's
    fetch and its push; the push is refused, and the next attempt keeps both records."""
    root = merged["root"]
    git(root, "switch", "-q", "-c", "second")
    other_head = add_grant(root, "20000003", "Counselor for Nina", role="counselor")
    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "second", "-m", "Merge pull request #44 from district/second")
    other_merge = git(root, "rev-parse", "HEAD")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "push", "-q", str(remote), "main")
    runner, other = tmp_path / "runner", tmp_path / "other"
    for clone in (runner, other):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    other_reviews = write_json(tmp_path / "other.json", [review(201, "ngozi-o", "APPROVED", other_head,
                                                                "2026-11-21T08:00:00Z", pr=44)])
    assert record(other, "--pr", "44", "--reviews", str(other_reviews), "--merge-commit", other_merge).returncode == 0

    temp = tmp_path / "runner-temp"
    (temp / "approvals").mkdir(parents=True)
    (temp / "approvals" / "prs").write_text("42\n", encoding="utf-8")
    write_json(temp / "approvals" / "event-42.json",
               closed_event(42, merged["head"], merged["merge"], merged["base"], "rosa-rivera"))
    (temp / "approvals" / "reviews-42.json").write_text(merged["reviews"].read_text(encoding="utf-8"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "rolebook"  # the real command; after its first run, the other run pushes its note
    wrapper.write_text(f"""#!/bin/bash
"{REPO_ROOT / '.venv/bin/rolebook'}" "$@"; code=$?
if [ ! -e "{tmp_path / 'pushed'}" ]; then
  touch "{tmp_path / 'pushed'}"
  git -C "{other}" push -q origin {NOTES_REF}:{NOTES_REF}
fi
exit $code
""", encoding="utf-8")
    wrapper.chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "GH_TOKEN": "t", "REPOSITORY": REPOSITORY,
           "RUNNER_TEMP": str(temp), "GITHUB_STEP_SUMMARY": str(summary), "ROLEBOOK_TODAY": "2026-11-23",
           # The workflow's GitHub remote is the bare repository here.
           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{remote}.insteadOf",
           "GIT_CONFIG_VALUE_0": f"https://x-access-token:t@github.com/{REPOSITORY}.git"}
    result = subprocess.run(["bash", "-c", _step_script("Record the approvals and push the notes")], cwd=runner,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The notes moved on (attempt 1)" in result.stdout
    assert summary.read_text(encoding="utf-8").count("PR #42") == 1
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(remote), str(fresh))
    git(fresh, "fetch", "-q", "origin", "refs/notes/*:refs/notes/*")
    records = read_approval_records(fresh)
    assert {r.pr for r in records.values()} == {42, 44}
    assert [a.login for a in records[merged["merge"]].approvals] == ["ada-itd", "ngozi-o"]
