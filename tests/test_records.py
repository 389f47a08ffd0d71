"""Review files and the stored login file are read once, strictly, by the loader; everyone uses that reading.

The validator (RB704, RB705), the audit site's header and dashboard, and pull-request mode's partial load
all answer from `Repository.reviews` / `Repository.logins`, so they cannot disagree about a review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.loading import LoadFailed, load_repository
from rolebook.loading.fast.partial import ContentStore, PartialSession
from rolebook.policy.check import run_rules

DAY = dt.date.fromisoformat(TODAY)
OPEN_REVIEW_100 = """
    school: "100"
    period: 2026-H2
    status: open
    reviewer: pat-park
    items:
      - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
    """
COMPLETED_REVIEW_200 = """
    school: "200"
    period: 2026-H2
    status: completed
    reviewer: ngozi-o
    reviewed_on: 2026-09-15
    items:
      - {employee: "20000002", roles: [counselor], via: direct, decision: keep, reason: null}
      - {employee: "20000003", roles: [office-manager], via: direct, decision: keep, reason: null}
    """
# Line 3 holds a 7-digit employee number: the whole file is refused, said at that line.
BAD_LOGINS = ("employee_number,location_code,role,last_login\n"
              "10000003,100,teacher,2026-11-20T08:00:00Z\n"
              "1000002,100,office-manager,2026-11-20T08:00:00Z\n")


def _validate(root: Path) -> dict[str, object]:
    result = run_cli("validate", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _findings(root: Path, code: str) -> list[dict[str, object]]:
    return [f for f in _validate(root)["findings"] if f["code"] == code]  # type: ignore[union-attr,index]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A district with an open review at 100, a recent completed one at 200 and a broken login file, built."""
    root = make_mini_repo(tmp_path_factory.mktemp("records") / "repo", {
        "access/schools/100/reviews/2026-H2.yaml": OPEN_REVIEW_100,
        "access/schools/200/reviews/2026-H2.yaml": COMPLETED_REVIEW_200,
    })
    (root / "access/logins.csv").write_text(BAD_LOGINS, encoding="utf-8")
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "site", root / "site")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    git_init(root)
    result = run_cli("build", "--internal", "--repo", str(root))
    assert result.returncode == 0, result.stderr
    return root


def _header_review(page: str) -> str:
    found = re.search(r"<dt>Last access review</dt><dd>(.*?)</dd>", page)
    assert found, "the report header has a Last access review line"
    return found.group(1)


def _overdue_table(board: str) -> str:
    start = board.index('aria-label="Reviews overdue"') if 'aria-label="Reviews overdue"' in board else -1
    return board[start:board.index("</table>", start)] if start != -1 else ""


def test_an_open_review_is_never_reviewed_for_validate_header_and_dashboard(built: Path) -> None:
    overdue = {f["location"]: f for f in _findings(built, "RB704")}
    assert "never completed an access review" in str(overdue["100"]["message"])
    assert "200" not in overdue  # completed on 2026-09-15: due again 2027-03-15

    site = built / "build/internal/site/audit"
    header_100 = _header_review((site / "schools/100.html").read_text(encoding="utf-8"))
    assert "no review on record" in header_100 and "overdue" in header_100
    assert "2026-H2" not in header_100  # an open review is work in progress, not the last review
    header_200 = _header_review((site / "schools/200.html").read_text(encoding="utf-8"))
    assert "2026-H2, 2026-09-15" in header_200 and "ngozi-o" in header_200 and "overdue" not in header_200

    table = _overdue_table((site / "index.html").read_text(encoding="utf-8"))
    assert ">100<" in table and "never reviewed" in table
    assert ">200<" not in table


def test_a_bad_login_row_is_a_finding_at_its_line_and_the_site_says_so(built: Path) -> None:
    problems = _findings(built, "RB705")
    assert [(f["file"], f["line"]) for f in problems] == [("access/logins.csv", 3)]
    assert "8-digit" in str(problems[0]["message"]) and "rolebook logins import" in str(problems[0]["hint"])
    assert not _findings(built, "RB706")  # a refused file flags nobody as never logged in

    page = (built / "build/internal/site/audit/schools/100.html").read_text(encoding="utf-8")
    note = re.search(r"<dt>Last logins</dt><dd>(.*?)</dd>", page)
    assert note and "cannot be read" in note.group(1) and "access/logins.csv:3" in note.group(1)
    board = (built / "build/internal/site/audit/index.html").read_text(encoding="utf-8")
    assert "access/logins.csv:3" in board


def test_a_broken_review_is_a_finding_not_a_load_failure(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", {"access/schools/100/reviews/2026-H2.yaml": """
        school: "100"
        period: 2026-H2
        status: finished
        """})
    repo = load_repository(root)  # loads: reviews are evidence about the data, not part of it
    found = [f for f in run_rules(repo, DAY).findings if f.code == "RB700"]
    assert [(f.file, f.line, f.location) for f in found] == [("access/schools/100/reviews/2026-H2.yaml", 3, "100")]
    assert run_cli("access", "10000003", cwd=root).returncode == 0


def test_records_are_read_on_first_use_only(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo", {"access/schools/100/reviews/2026-H2.yaml": OPEN_REVIEW_100})
    repo = load_repository(root)
    assert "reviews" not in repo.__dict__ and "logins" not in repo.__dict__  # loading did not read them
    assert [r.file for r in repo.reviews.reviews] == ["access/schools/100/reviews/2026-H2.yaml"]
    assert repo.reviews is repo.reviews and not repo.logins.present


def _listing(root: Path, commit: str) -> dict[str, str]:
    lines = git(root, "ls-tree", "-r", commit, "--", "roles", "access").splitlines()
    return {line.split("\t", 1)[1]: line.split()[2] for line in lines}


def test_the_partial_load_reads_the_revisions_reviews_and_logins_not_the_working_tree(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo", {
        "access/schools/100/reviews/2026-H2.yaml": OPEN_REVIEW_100,
        "access/logins.csv": "employee_number,location_code,role,last_login\n"
                             "10000003,100,teacher,2026-11-20T08:00:00Z\n",
    }))
    commit = git(root, "rev-parse", "HEAD")
    # The working tree moves on: the review is completed and the login file broken, uncommitted.
    write_files(root, {"access/schools/100/reviews/2026-H2.yaml": OPEN_REVIEW_100.replace("status: open",
                                                                                         "status: completed")})
    (root / "access/logins.csv").write_text(BAD_LOGINS, encoding="utf-8")
    store = ContentStore(root)
    repo = PartialSession(root, store).load(_listing(root, commit), {"100"})
    assert repo is not None
    assert [r.model.status.value for r in repo.reviews.reviews] == ["open"]
    assert repo.logins.present and not repo.logins.errors
    assert repo.logins.last_login[("10000003", "100")] == dt.datetime(2026, 11, 20, 8, 0)
    # Only the loaded schools' reviews are read.
    assert {r.school for r in repo.reviews.reviews} <= {"100"}
    # The full load of the working tree sees the working tree.
    full = load_repository(root)
    assert [r.model.status.value for r in full.reviews.reviews] == ["completed"]
    assert full.logins.errors and full.logins.errors[0].line == 3


BROKEN = {
    "category defined twice": ("roles/categories.yaml", None, "is defined twice"),
    "role id vs file name": ("roles/teacher.yaml", ("id: teacher", "id: teachers"), "does not match the file name"),
    "unknown category": ("roles/teacher.yaml", ("category: ", "category: nowhere-"), "unknown category"),
    "group defined twice": ("access/groups.yaml", None, "is defined twice"),
    "location code twice": ("access/district.yaml", ('code: "200"', 'code: "100"'), "is used twice"),
    "unknown cluster": ("access/district.yaml", ("cluster: ld-test}", "cluster: ld-nowhere}"), "unknown cluster"),
    "grants location vs folder": ("access/schools/100/grants.yaml", ('location: "100"', 'location: "200"'),
                                  "does not match the folder"),
    "staff listed twice": ("access/staff.yaml", None, "is listed twice"),
}


def _break(root: Path, case: str) -> None:
    path, swap, _ = BROKEN[case]
    text = (root / path).read_text(encoding="utf-8")
    if swap is not None:
        assert swap[0] in text, (case, swap[0])
        text = text.replace(swap[0], swap[1], 1)
    elif path == "roles/categories.yaml":  # the first category again, at the end
        start = text.index("  - id:")
        text += text[start:text.index("  - id:", start + 1)]
    elif path == "access/groups.yaml":
        text += '  - {id: sped-operations, name: Again, members: ["90000004"]}\n'
    else:
        text += text.splitlines()[-1] + "\n"
    (root / path).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_load_check_is_reported_by_the_full_load_and_refused_by_the_partial(case: str, tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    _break(root, case)
    git(root, "commit", "-q", "-am", f"break: {case}")
    with pytest.raises(LoadFailed) as failed:
        load_repository(root)
    expected = BROKEN[case][2]
    assert any(expected in e.message and e.file == BROKEN[case][0] and e.line >= 1 for e in failed.value.errors), \
        [e.format() for e in failed.value.errors]
    listing = _listing(root, git(root, "rev-parse", "HEAD"))
    assert PartialSession(root, ContentStore(root)).load(listing, {"100", "200"}) is None


def test_an_unknown_rule_code_in_the_policy_is_an_error_at_its_line(tmp_path: Path) -> None:
    policy = (REPO_ROOT / "roles/policy.yaml").read_text(encoding="utf-8")
    root = make_mini_repo(tmp_path / "repo")
    (root / "roles/policy.yaml").write_text(
        policy.replace("rules: {}", 'rules:\n  RB402: {severity: notice}\n  RB7O4: {severity: "off"}'),
        encoding="utf-8")
    result = run_cli("validate", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "RB507"]
    line = policy[:policy.index("rules: {}")].count("\n") + 3
    assert [(f["file"], f["line"], f["severity"]) for f in found] == [("roles/policy.yaml", line, "error")]
    assert "RB7O4" in found[0]["message"] and "did you mean RB704?" in found[0]["hint"]
    assert "`rolebook rules`" in found[0]["hint"]
