"""`rolebook ask-reviewers`: everyone whose approval is still missing is asked, once, within GitHub's limit,
and one checklist comment is kept. Real Git repositories, the real gate and CLI as subprocesses, GitHub's
REST shapes: the pull object (requested_reviewers, requested_teams), the issue comments list (user.type)
and list-reviews (uppercase states)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import git, git_init, make_mini_repo, run_cli
from rolebook.approvals.review_requests import MARKER

# SPED Operations names its GitHub team: it is asked as the team.
GROUPS_WITH_TEAM = """
    groups:
      - {id: access-administrators, name: Access administrators, members: ["90000001", "90000002", "90000003"]}
      - {id: sped-operations, name: SPED Operations, members: ["90000004"], github_team: sped-ops}
      - {id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}
    """
SPED_GRANT = """  - employee: "10000003"
    roles: [sped-viewers]
    granted: 2026-11-20
    expires: 2027-06-30
"""


@pytest.fixture
def pull(tmp_path: Path) -> dict[str, Any]:
    """A pull request giving a teacher at Maple Elementary a SPED role: the principal and SPED Operations
    must approve it. Opened by Ngozi (another school's principal)."""
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/groups.yaml": GROUPS_WITH_TEAM}))
    grants = root / "access/schools/100/grants.yaml"
    git(root, "checkout", "-q", "-b", "access/sped")
    grants.write_text(grants.read_text() + SPED_GRANT)
    git(root, "commit", "-qam", "Request SPED Viewers for Carl Chen")
    base, head = git(root, "rev-parse", "main"), git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "main")  # the gate's checkout is the default branch's
    return {"root": root, "base": base, "head": head, "dir": tmp_path}


def rest_pull(number: int, base: str, head: str, author: str, users: list[str] = [],  # noqa: B006 - read only
              teams: list[str] = []) -> dict[str, Any]:  # noqa: B006
    """The REST pull object (GET /repos/{o}/{r}/pulls/{n}), trimmed to real fields, as {pull_request: ...}."""
    return {"pull_request": {
        "url": f"https://api.github.com/repos/district/access/pulls/{number}", "id": 1900000000 + number,
        "node_id": "PR_kwDOAbc", "number": number, "state": "open", "locked": False,
        "title": "Request SPED Viewers for Carl Chen",
        "user": {"login": author, "id": 5011, "type": "User", "site_admin": False},
        "body": "Requested with `rolebook request`.", "draft": False,
        "requested_reviewers": [{"login": login, "id": 6000 + i, "type": "User", "site_admin": False}
                                for i, login in enumerate(users)],
        "requested_teams": [{"name": slug.title(), "id": 7000 + i, "slug": slug, "privacy": "closed",
                             "permission": "pull"} for i, slug in enumerate(teams)],
        "head": {"label": "district:access/sped", "ref": "access/sped", "sha": head},
        "base": {"label": "district:main", "ref": "main", "sha": base},
        "author_association": "MEMBER",
    }}


def comment(number: int, body: str, login: str, kind: str) -> dict[str, Any]:
    """One item of GET /repos/{o}/{r}/issues/{n}/comments."""
    return {"url": f"https://api.github.com/repos/district/access/issues/comments/{number}", "id": number,
            "node_id": "IC_kwDOAbc", "body": body, "user": {"login": login, "id": 41898282, "type": kind},
            "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
            "author_association": "NONE" if kind == "Bot" else "MEMBER"}


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def gate(pull: dict[str, Any], author: str, *extra: str, output: str = "json") -> str:
    result = run_cli("approvals", "--repo", str(pull["root"]), "--base", pull["base"], "--head", pull["head"],
                     "--author", author, "--format", output, *extra, cwd=pull["root"])
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def ask(pull: dict[str, Any], gate_json: str, event: dict[str, Any],
        comments: object | None = None) -> dict[str, Any]:
    folder: Path = pull["dir"]
    args = ["ask-reviewers", "--repo", str(pull["root"]), "--gate", str(write_text(folder / "gate.json", gate_json)),
            "--event", str(write(folder / "event.json", event))]
    if comments is not None:
        args += ["--comments", str(write(folder / "comments.json", comments))]
    result = run_cli(*args, cwd=pull["root"])
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_principal_and_the_sped_team_are_asked_and_the_bots_comment_is_found(pull: dict[str, Any]) -> None:
    verdict = gate(pull, "ngozi-o")
    comments = [comment(11, f"{MARKER}\nquoted by a person", "ngozi-o", "User"),
                comment(12, "Validation passed.", "rolebook-automation[bot]", "Bot"),
                comment(13, f"{MARKER}\n## Approvals\nold", "rolebook-automation[bot]", "Bot")]
    answer = ask(pull, verdict, rest_pull(7, pull["base"], pull["head"], "ngozi-o"), comments)
    assert answer["pull_request"] == 7
    assert answer["reviewers"] == ["pat-park"]
    assert answer["team_reviewers"] == ["sped-ops"], "a group with github_team is asked as its team"
    assert answer["not_asked"] == [] and answer["limit"] == 15
    assert answer["comment"]["id"] == 13, "the bot's comment with the marker, never a person's"


def test_the_comment_is_the_gates_own_checklist(pull: dict[str, Any]) -> None:
    body = ask(pull, gate(pull, "ngozi-o"), rest_pull(7, pull["base"], pull["head"], "ngozi-o"))["comment"]
    assert body["id"] is None, "no comment yet: the workflow posts a new one"
    assert body["body"] == f"{MARKER}\n" + gate(pull, "ngozi-o", output="markdown")
    assert "2 of 2 approval(s) still needed" in body["body"] and "@pat-park" in body["body"]


def test_nobody_already_requested_is_asked_again(pull: dict[str, Any]) -> None:
    event = rest_pull(7, pull["base"], pull["head"], "ngozi-o", users=["Pat-Park"], teams=["sped-ops"])
    answer = ask(pull, gate(pull, "ngozi-o"), event)
    assert (answer["reviewers"], answer["team_reviewers"]) == ([], [])


def test_a_satisfied_requirement_asks_nobody(pull: dict[str, Any]) -> None:
    # The principal approved the head commit (REST list-reviews: uppercase states): only SPED is left.
    reviews = [{"id": 80, "node_id": "PRR_kwDOAbc", "user": {"login": "pat-park", "id": 5003, "type": "User"},
                "body": "", "state": "APPROVED", "commit_id": pull["head"], "submitted_at": "2026-11-21T09:00:00Z",
                "author_association": "MEMBER"}]
    verdict = gate(pull, "ngozi-o", "--reviews", str(write(pull["dir"] / "reviews.json", reviews)))
    answer = ask(pull, verdict, rest_pull(7, pull["base"], pull["head"], "ngozi-o"))
    assert (answer["reviewers"], answer["team_reviewers"]) == ([], ["sped-ops"])
    assert "1 of 2 approval(s) still needed" in answer["comment"]["body"]


def test_the_author_is_never_asked(pull: dict[str, Any]) -> None:
    # Pat opens the pull request: the gate leaves Pat out, and so does the asking, whatever the verdict says.
    verdict = json.loads(gate(pull, "pat-park"))
    verdict["requirements"][0]["eligible"].append("pat-park")
    answer = ask(pull, json.dumps(verdict), rest_pull(7, pull["base"], pull["head"], "pat-park"))
    assert "pat-park" not in [login.lower() for login in answer["reviewers"]]


def handmade_verdict(pull: dict[str, Any], groups: dict[str, list[str]]) -> str:
    """The real gate's verdict, with its requirements replaced: every key the gate writes stays."""
    real = json.loads(gate(pull, "ngozi-o"))
    model = real["requirements"][0]
    real["requirements"] = [{**model, "label": label, "note": "", "reviewers": logins, "eligible": logins,
                             "items": [f"a change at {label}"], "satisfied": False, "approved_by": []}
                            for label, logins in groups.items()]
    real["author"] = "someone"
    return json.dumps(real)


def test_githubs_limit_of_15_is_kept_and_every_requirement_gets_someone(pull: dict[str, Any]) -> None:
    verdict = handmade_verdict(pull, {"Big office": [f"big-{i:02}" for i in range(18)],
                                "Small office": ["small-1", "small-2"], "Third office": ["third-1"]})
    event = rest_pull(7, pull["base"], pull["head"], "someone", users=["already-1"], teams=["already-team"])
    answer = ask(pull, verdict, event)
    asked = answer["reviewers"] + answer["team_reviewers"]
    assert len(asked) == 15 - 2, "the two already requested count against the limit"
    assert {"big-00", "small-1", "third-1"} <= set(asked), "each missing approval has someone asked first"
    assert len(asked) + len(answer["not_asked"]) == 21
    assert "big-17" in answer["not_asked"]


def test_a_person_eligible_twice_is_asked_once(pull: dict[str, Any]) -> None:
    answer = ask(pull, handmade_verdict(pull, {"One": ["lee-ld", "ada-itd"], "Two": ["LEE-LD"]}),
                 rest_pull(7, pull["base"], pull["head"], "someone"))
    assert sorted(login.lower() for login in answer["reviewers"]) == ["ada-itd", "lee-ld"]


def test_paginated_comments_are_read_whole(pull: dict[str, Any]) -> None:
    # `gh api --paginate` prints one JSON array per page, one after the other.
    pages = (json.dumps([comment(1, "first page", "ngozi-o", "User")]) + "\n"
             + json.dumps([comment(99, f"{MARKER}\nold", "rolebook-automation[bot]", "Bot")]))
    folder: Path = pull["dir"]
    result = run_cli("ask-reviewers", "--repo", str(pull["root"]),
                     "--gate", str(write_text(folder / "gate.json", gate(pull, "ngozi-o"))),
                     "--event", str(write(folder / "event.json", rest_pull(7, pull["base"], pull["head"], "x"))),
                     "--comments", str(write_text(folder / "pages.json", pages)), cwd=pull["root"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["comment"]["id"] == 99


@pytest.mark.parametrize(("name", "text", "says"), [
    ("gate.json", "{not json", "gate.json: the gate verdict is not valid JSON"),
    ("gate.json", '{"satisfied": true}', "gate.json: not the output of `rolebook approvals --format json`"),
    ("event.json", '{"number": 7}', "event.json: no 'pull_request' object"),
    ("comments.json", '{"id": 1}', "comments.json: not a list of issue comments"),
])
def test_bad_input_is_named_with_its_file(pull: dict[str, Any], name: str, text: str, says: str) -> None:
    folder: Path = pull["dir"]
    files = {"gate.json": gate(pull, "ngozi-o"),
             "event.json": json.dumps(rest_pull(7, pull["base"], pull["head"], "ngozi-o")), "comments.json": "[]"}
    files[name] = text
    for file, content in files.items():
        write_text(folder / file, content)
    result = run_cli("ask-reviewers", "--repo", str(pull["root"]), "--gate", str(folder / "gate.json"),
                     "--event", str(folder / "event.json"), "--comments", str(folder / "comments.json"))
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_a_broken_groups_file_is_named_at_its_line(pull: dict[str, Any]) -> None:
    (pull["root"] / "access/groups.yaml").write_text(
        "groups:\n  - {id: sped-operations, name: SPED Operations, github_tem: sped-ops}\n")
    folder: Path = pull["dir"]
    result = run_cli("ask-reviewers", "--repo", str(pull["root"]),
                     "--gate", str(write_text(folder / "gate.json", handmade_verdict(pull, {"SPED Operations": ["x"]}))),
                     "--event", str(write(folder / "event.json", rest_pull(7, pull["base"], pull["head"], "y"))))
    assert result.returncode == 2
    assert "access/groups.yaml:2:" in result.stderr and "github_tem" in result.stderr


def test_the_requester_is_never_asked(pull: dict[str, Any]) -> None:
    # Someone filed the form (the gate's `requesters`): asking them to approve their own request is wrong too.
    verdict = json.loads(handmade_verdict(pull, {"Principal of Maple Elementary": ["pat-park", "ngozi-o"]}))
    verdict["requesters"] = ["pat-park"]
    answer = ask(pull, json.dumps(verdict), rest_pull(7, pull["base"], pull["head"], "rolebook-automation[bot]"))
    assert answer["reviewers"] == ["ngozi-o"]
