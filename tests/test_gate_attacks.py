"""The approval gate against a hostile pull request: each class of bypass the review found, on real Git
repositories with GitHub's payload shapes (the helpers and fixtures of test_approvals.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import MINI_FILES, git, git_init, make_mini_repo, run_cli
from rolebook.facts.history import NOT_RECORDED, read_history
from rolebook.model.findings import Finding, Severity
from rolebook.output.report import github_annotations, markdown
from rolebook.output.report.github_annotations import command, log_line
from rolebook.policy.check import Report
from rolebook.policy.validation import Validation
from test_approvals import COUNSELOR_FOR_NINA, FIXTURES, _event, append, gate, open_pr, requirements, review

SPED_GRANT = """\
  - employee: "20000002"
    roles: [sped-viewers]
    granted: 2026-11-23
    expires: 2027-07-31
"""
NOON = "2026-11-21T12:00:00Z"


def _labels(result) -> dict[str, list[str]]:
    return {r["label"]: r["eligible"] for r in requirements(result)}


# --------------------------------------------------------------------------- policy comes from the base
@pytest.fixture
def sped_repo(tmp_path: Path) -> Path:
    """SPED Operations' office signs through the access administrators, so SPED's own signature is the
    role's `extra_approval` alone."""
    district = MINI_FILES["access/district.yaml"].replace(
        "approvers: sped-operations}", "approvers: access-administrators}")
    return git_init(make_mini_repo(tmp_path / "repo", {"access/district.yaml": district}))


def test_dropping_extra_approval_in_the_same_change_still_needs_sped_operations(sped_repo: Path) -> None:
    role = (sped_repo / "roles/sped-viewers.yaml").read_text()
    assert "extra_approval: [sped-operations]" in role
    base, head = open_pr(sped_repo, files={"roles/sped-viewers.yaml": role.replace(
        "extra_approval: [sped-operations]", "extra_approval: []")},
        appends={"access/offices/SPEDOPS/grants.yaml": SPED_GRANT})
    needed = requirements(gate(sped_repo, base, head, "rosa-rivera", fmt="json"))
    sped = [r for r in needed if r["label"] == "SPED Operations"]
    assert sped and sped[0]["eligible"] == ["olga-sped"]
    assert "changes to roles/sped-viewers.yaml" in sped[0]["items"]  # the role's own file: SPED signs too
    admins = [review("ada-itd", "APPROVED", head, NOON, 1)]
    assert gate(sped_repo, base, head, "rosa-rivera", admins).returncode == 1
    both = [*admins, review("olga-sped", "APPROVED", head, NOON, 2)]
    assert gate(sped_repo, base, head, "rosa-rivera", both).returncode == 0


def test_a_role_added_to_the_policys_approver_roles_on_the_head_does_not_lower_the_bar(git_repo: Path) -> None:
    """The head's policy cannot replace who signs: the base's policy decides (the principal), the head's
    can only add a signature (the level up, for what becomes an approver role), and the policy change
    itself needs the access administrators."""
    policy = (git_repo / "roles/policy.yaml").read_text()
    assert "approver_roles" in policy
    base, head = open_pr(git_repo, files={"roles/policy.yaml": policy.replace(
        "approver_roles: [", "approver_roles: [counselor, ", 1)},
        appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    labels = _labels(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert labels == {"Principal of Oak High School": ["ngozi-o"], "Local District Test administrators": ["lee-ld"],
                      "Access administrators": ["ada-itd", "dan-itd", "sue-itd"]}


# --------------------------------------------------------------------------- wide scopes, narrow files
@pytest.fixture
def wide_repo(tmp_path: Path) -> Path:
    """Six schools in the local district: a partial load of one school's change reads one or two."""
    extra = "".join(f'          - {{code: "{code}", name: School {code}, level: elementary, enrollment: 300, '
                    f'cluster: ld-test}}\n' for code in ("300", "400", "500", "600"))
    district = MINI_FILES["access/district.yaml"].replace("        offices:\n", extra + "        offices:\n")
    assert district.count("cluster: ld-test}") == 6
    return git_init(make_mini_repo(tmp_path / "repo", {"access/district.yaml": district}))


def _wide_grant(scope: str) -> str:
    return f"""\
  - employee: "20000003"
    roles: [district-limited-read]
    scope: {scope}
    granted: 2026-11-23
    expires: 2027-07-31
"""


@pytest.mark.parametrize(("scope", "spanning", "login"), [
    ("{all_schools: true}", "Access administrators", "ada-itd"),
    ("{cluster: ld-test}", "Local District Test administrators", "lee-ld"),
])
def test_a_wide_scope_in_one_schools_file_needs_who_spans_its_reach(wide_repo: Path, scope: str, spanning: str,
                                                                    login: str) -> None:
    base, head = open_pr(wide_repo, appends={"access/schools/200/grants.yaml": _wide_grant(scope)})
    result = gate(wide_repo, base, head, "rosa-rivera", fmt="json")
    needed = requirements(result)
    labels = {r["label"]: r for r in needed}
    assert set(labels) == {"Principal of Oak High School", spanning}
    # The count the approver reads is the district's, not the partial load's.
    assert all("(6 schools)" in item for r in needed for item in r["items"]), needed
    principal = [review("ngozi-o", "APPROVED", head, NOON, 1)]
    assert gate(wide_repo, base, head, "rosa-rivera", principal).returncode == 1
    both = [*principal, review(login, "APPROVED", head, NOON, 2)]
    assert gate(wide_repo, base, head, "rosa-rivera", both).returncode == 0
    markdown = gate(wide_repo, base, head, "rosa-rivera").stdout
    assert "6 schools" in markdown and "2 schools" not in markdown


def test_the_count_matches_rolebook_access(wide_repo: Path) -> None:
    base, head = open_pr(wide_repo, appends={"access/schools/200/grants.yaml": _wide_grant("{all_schools: true}")})
    needed = requirements(gate(wide_repo, base, head, "rosa-rivera", fmt="json"))
    access = run_cli("access", "--repo", str(wide_repo), "20000003", "--format", "json")
    assert access.returncode == 0, access.stderr
    reached = {row["location"] for row in json.loads(access.stdout)["access"]
               if row["role"] == "district-limited-read"}
    assert len(reached) == 6
    assert any(f"({len(reached)} schools)" in item for r in needed for item in r["items"])


# --------------------------------------------------------------------------- co-authors are authors
def _push_as(root: Path, name: str, email: str, text: str, trailer: str = "") -> str:
    append(root, "access/schools/200/grants.yaml", text)
    git(root, "-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "-q", "-am",
        "second push" + (f"\n\n{trailer}" if trailer else ""))
    return git(root, "rev-parse", "HEAD")


@pytest.mark.parametrize(("name", "email", "trailer"), [
    ("Ngozi Okafor", "ngozi-o@district.example", ""),
    ("Ngozi Okafor", "1234567+ngozi-o@users.noreply.github.com", ""),
    ("ngozi-o", "principal@oak.example", ""),
    ("Test Runner", "runner@example.org", "Co-authored-by: Ngozi <ngozi-o@users.noreply.github.com>"),
])
def test_a_principal_who_pushed_to_the_pr_cannot_approve_it(git_repo: Path, name: str, email: str,
                                                            trailer: str) -> None:
    base, _ = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    head = _push_as(git_repo, name, email, "    reason: pushed by the principal\n", trailer)
    result = gate(git_repo, base, head, "rosa-rivera", [review("ngozi-o", "APPROVED", head, NOON, 1)])
    assert result.returncode == 1
    # Oak High's only principal wrote part of it: the local district signs instead.
    assert "any one of @lee-ld" in result.stdout and "nobody can approve this yet" not in result.stdout
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["eligible"], r["escalated_from"]) for r in needed] == [(["lee-ld"], "Principal of Oak High School")]
    assert needed[0]["escalation"].startswith("The only Principal of Oak High School is a co-author of this pull")


def test_a_bystanders_commit_leaves_the_principal_free_to_approve(git_repo: Path) -> None:
    base, _ = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    head = _push_as(git_repo, "Rosa Rivera", "rosa-rivera@district.example", "    reason: fixed a typo\n")
    assert gate(git_repo, base, head, "rosa-rivera",
                [review("ngozi-o", "APPROVED", head, NOON, 1)]).returncode == 0


# --------------------------------------------------------------------------- one login, two people
def _shared_login_repo(tmp_path: Path) -> Path:
    staff = MINI_FILES["access/staff.yaml"]
    line = next(x for x in staff.splitlines() if '"20000003"' in x)
    assert "git_username" not in line
    staff = staff.replace(line, line.rstrip().removesuffix("}") + ", git_username: NGOZI-O}")
    return git_init(make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff}))


def test_a_login_two_records_claim_is_an_error_at_both(tmp_path: Path) -> None:
    root = _shared_login_repo(tmp_path)
    result = run_cli("validate", "--repo", str(root), "--format", "json")
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "RB108"]
    assert {f["employee"] for f in found} == {"20000003", "20000001"} or len(found) == 2, found
    assert len({f["line"] for f in found}) == 2 and all(f["file"] == "access/staff.yaml" for f in found)
    assert all(f["severity"] == "error" for f in found)


def test_the_gate_maps_a_shared_login_to_nobody(tmp_path: Path) -> None:
    root = _shared_login_repo(tmp_path)
    base, head = open_pr(root, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA.replace(
        "20000003", "20000002")})
    needed = requirements(gate(root, base, head, "rosa-rivera", fmt="json"))
    assert not any("ngozi-o" in [e.lower() for e in r["eligible"]] for r in needed), needed
    assert gate(root, base, head, "rosa-rivera", [review("ngozi-o", "APPROVED", head, NOON, 1)]).returncode == 1


# --------------------------------------------------------------------------- forged workflow commands
FORGED = "x\n::warning file=access/staff.yaml,line=1::forged\r\n::add-mask::secret\u2028::error::more"


def _no_command_lines(text: str, allowed: int = 0) -> None:
    commands = [line for line in text.splitlines() if line.lstrip().startswith("::")]
    assert len(commands) == allowed, commands


def test_annotations_keep_data_on_their_line() -> None:
    finding = Finding("RB101", Severity.error, "access/x,y:z.yaml", 3, f"Employee {FORGED}", f"fix {FORGED}")
    line = command(finding)
    _no_command_lines(line, allowed=1)
    assert line.startswith("::error file=access/x%2Cy%3Az.yaml,line=3,")
    assert "\u2028" not in line
    _no_command_lines(log_line(FORGED))
    assert "::" not in log_line("a::b")


def test_validate_outputs_cannot_forge_commands_or_mentions() -> None:
    """`--format github` and the Markdown summary the validate workflow posts, with a finding whose file
    and message carry a forged command, a mention and a code span's end."""
    finding = Finding("RB101", Severity.error, "access/a`@district/all`.yaml", 2, f"@district/all {FORGED}")
    result = Validation(Report([finding], [finding]), dt.date(2026, 11, 23), base="main")
    _no_command_lines(github_annotations.render(result), allowed=2)  # the finding and its notice
    summary = markdown.render(result)
    _no_command_lines(summary)
    span = "``access/a`@district/all`.yaml:2``"  # a code span the backticks cannot end: no mention there
    assert span in summary and "&#64;district/all" in summary
    assert "@district" not in summary.replace(span, "")


def test_the_gates_messages_cannot_forge_commands(git_repo: Path) -> None:
    base, _ = open_pr(git_repo, appends={"access/schools/200/grants.yaml": """\
  - employee: "20000003"
    roles: ["x\\n::warning file=a::forged"]
    granted: 2026-11-23
    expires: 2027-07-31
"""})
    head = git(git_repo, "rev-parse", "HEAD")
    result = run_cli("approvals", "--repo", str(git_repo), "--base", base, "--head", head, "--author", "rosa-rivera")
    assert result.returncode == 2
    _no_command_lines(result.stdout + result.stderr)
    assert "forged" in result.stderr  # said, as data
    bad_state = gate(git_repo, base, head, "rosa-rivera", [review("ngozi-o", FORGED, head, NOON, 1)])
    assert bad_state.returncode == 2
    _no_command_lines(bad_state.stderr)
    assert "::" not in bad_state.stderr


def test_the_checklist_neutralises_mentions_from_the_data(tmp_path: Path) -> None:
    staff = MINI_FILES["access/staff.yaml"].replace("first_name: Nina", "first_name: \"@district/everyone ::x\"")
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff}))
    base, head = open_pr(root, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    out = gate(root, base, head, "rosa-rivera").stdout
    assert "@district" not in out and "&#64;district/everyone" in out
    _no_command_lines(out)


# --------------------------------------------------------------------------- evidence from commit text
def test_an_approved_by_trailer_is_not_an_approval(git_repo: Path) -> None:
    append(git_repo, "access/schools/200/grants.yaml", COUNSELOR_FOR_NINA)
    git(git_repo, "commit", "-q", "-am", "Grant counselor\n\nApproved-by: ngozi-o\nReviewed-by: lee-ld")
    history = read_history(git_repo)
    commit = history.introduced("access/schools/200/grants.yaml", "20000003")
    assert commit is not None and commit.trailers["approved-by"] == ["ngozi-o"]  # kept as the commit's words
    assert commit.approvers == [NOT_RECORDED]


# --------------------------------------------------------------------------- a deleted account's review
def test_a_review_by_a_deleted_account_is_ignored_and_said(git_repo: Path, tmp_path: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    ghost = review("ghost", "APPROVED", head, "2026-11-21T09:00:00Z", 7)
    ghost["user"] = None
    result = gate(git_repo, base, head, "rosa-rivera", [ghost, review("ngozi-o", "APPROVED", head, NOON, 8)])
    assert result.returncode == 0, result.stderr
    assert "deleted account" in result.stdout and "7" in result.stdout
    alone = gate(git_repo, base, head, "rosa-rivera", [ghost], fmt="json")
    assert alone.returncode == 1
    assert any("deleted account" in note for note in json.loads(alone.stdout)["notes"])
    # The same in a webhook payload: the review event of a deleted account.
    event = _event("pull_request_review.submitted.json", base, head)
    event["review"]["user"] = None
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    rest = tmp_path / "rest.json"
    rest.write_text(json.dumps([review("ngozi-o", "APPROVED", head, NOON, 8)]))
    assert FIXTURES.is_dir()
    judged = run_cli("approvals", "--repo", str(git_repo), "--event", str(path), "--reviews", str(rest))
    assert judged.returncode == 0, judged.stdout + judged.stderr


def test_the_accounts_github_matched_to_the_commits_are_authors() -> None:
    """The REST "list commits on a pull request" shape: `author`/`committer` are accounts, or null when
    GitHub matched no account to the e-mail."""
    from rolebook.approvals.fetch import commit_logins

    commits = [
        {"sha": "a" * 40, "commit": {"author": {"name": "N", "email": "n@oak.example"}},
         "author": {"login": "Ngozi-O", "id": 7, "type": "User"}, "committer": {"login": "web-flow", "id": 1}},
        {"sha": "b" * 40, "commit": {"author": {"name": "X", "email": "x@nowhere.example"}},
         "author": None, "committer": None},
    ]
    assert commit_logins(commits) == {"ngozi-o", "web-flow"}
