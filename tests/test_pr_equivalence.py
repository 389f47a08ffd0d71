"""Pull-request mode gives one answer, whichever way it is computed: held over generated pull requests.

A small district is generated in a real Git repository, with several base branches: a clean one, and
ones holding broken files (an unknown field, bad YAML, an unquoted employee number, a grants file in the
wrong folder, a broken staff record), a policy that forbids a combination of roles, and a stale
.github/CODEOWNERS (every other base has the current one, generated on main). Each generated
pull request (seeded: grants added, removed and changed, sometimes roles, policy, staff or district
changed, sometimes a principal's grant or one reaching a whole cluster, sometimes .github/CODEOWNERS
regenerated or edited, sometimes a file broken by the change itself) is checked the usual way (`validate --base`,
which takes the partial path when it can) and with `--full`: same exit code, same new findings, same
load errors already on the base. The approval gate's partial and full loads give the same requirements.
The verdict cache changes nothing: some checks run again without it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, git, git_init, run_cli, write_files
from rolebook.approvals.gate import requirements
from rolebook.approvals.revisions import Revisions
from rolebook.facts.ownership import generate_codeowners
from rolebook.infra.result_cache import CACHE_DIR
from rolebook.loading.repository import load_tolerant
from rolebook.policy.pull_request import (
    LOAD_ERROR,
    BaseUnavailable,
    ChangeUnloadable,
    gate_revisions,
    pull_request_full,
    pull_request_partial,
    read_git,
)
from rolebook.policy.validation import Validation

DAY = dt.date.fromisoformat(TODAY)
CASES = 200
CHUNKS = 8

SCHOOLS = [("100", "Maple Elementary", "elementary", "ld-a"), ("200", "Oak High", "high", "ld-a"),
           ("300", "Pine Middle", "middle", "ld-b"), ("400", "Cedar Elementary", "elementary", "ld-b"),
           ("500", "Birch High", "high", "ld-b")]
ROLES = ["teacher", "counselor", "office-manager", "health-office", "school-limited-read", "counselor-plus",
         "scheduling-administrator"]
POSITIONS = {"teacher": "Teacher", "counselor": "Counselor", "office-manager": "Office Manager"}
FORBID = "forbidden_combinations:\n  - roles: [counselor, teacher]\n    reason: Separation of duties test\n"
BREAKS = ("unknown-field", "bad-yaml", "unquoted-employee", "wrong-folder")


@dataclass
class District:
    """The data of one revision, as text-producing parts a generated change can edit."""

    grants: dict[str, list[dict[str, str]]]  # school -> grants (rendered in block layout)
    broken: dict[str, str] = field(default_factory=dict)  # school -> how its file is broken
    staff: list[dict[str, str]] = field(default_factory=list)
    staff_broken: bool = False
    policy_extra: str = ""
    district_note: str = ""
    role_note: str = ""

    def copy(self) -> District:
        return District({k: [dict(g) for g in v] for k, v in self.grants.items()}, dict(self.broken),
                        [dict(s) for s in self.staff], self.staff_broken, self.policy_extra, self.district_note,
                        self.role_note)

    def files(self) -> dict[str, str]:
        found = {f"access/schools/{code}/grants.yaml": _grants_text(code, grants, self.broken.get(code))
                 for code, grants in self.grants.items()}
        found["access/staff.yaml"] = _staff_text(self.staff, self.staff_broken)
        found["access/district.yaml"] = _district_text(self.district_note)
        policy = (REPO_ROOT / "roles/policy.yaml").read_text()
        if self.policy_extra:
            policy = policy.replace("\nforbidden_combinations: []\n", "\n" + self.policy_extra)
        found["roles/policy.yaml"] = policy
        found["roles/teacher.yaml"] = (REPO_ROOT / "roles/teacher.yaml").read_text() + self.role_note
        return found


def _grants_text(code: str, grants: list[dict[str, str]], broken: str | None) -> str:
    lines = [f'location: "{"999" if broken == "wrong-folder" else code}"', "grants:"]
    for index, grant in enumerate(grants):
        employee = grant["employee"]
        quoted = employee if broken == "unquoted-employee" and index == 0 else f'"{employee}"'
        lines += [f"  - employee: {quoted}", f"    roles: [{grant['roles']}]", f"    granted: {grant['granted']}",
                  f"    expires: {grant['expires']}"]
        if grant.get("status"):
            lines.append(f"    status: {grant['status']}")
        if grant.get("scope"):
            lines.append(f"    scope: {grant['scope']}")
        if broken == "unknown-field" and index == len(grants) // 2:
            lines.append("    colour: blue")
    if broken == "bad-yaml":
        lines.append("  - employee: [unclosed")
    return "\n".join(lines) + "\n"


def _staff_text(staff: list[dict[str, str]], broken: bool) -> str:
    lines = ["staff:"]
    for index, member in enumerate(staff):
        lines += [f'  - employee: "{member["employee"]}"'] + [f"    {k}: {v}" for k, v in member.items()
                                                            if k != "employee"]
        if broken and index == 3:
            lines.append("    shoe_size: 9")
    return "\n".join(lines) + "\n"


def _district_text(note: str) -> str:
    schools = "".join(f'  - {{code: "{c}", name: {n}, level: {lv}, enrollment: 800, cluster: {cl}}}\n'
                      for c, n, lv, cl in SCHOOLS)
    return ("organisation: {name: Generated Unified, types: [school-district]}\n"
            "clusters:\n  - {id: ld-a, name: Local District A, approvers: ld-admins}\n"
            "  - {id: ld-b, name: Local District B, approvers: ld-admins}\n"
            f"schools:\n{schools}"
            "offices:\n  - {code: SPEDOPS, name: SPED Operations, approvers: sped-operations}\n"
            "  - {code: ITD, name: Information Technology Division, approvers: access-administrators}\n" + note)


STATIC = {
    "access/groups.yaml": """
        groups:
          - {id: access-administrators, name: Access administrators, members: ["90000001", "90000002", "90000003"]}
          - {id: sped-operations, name: SPED Operations, members: ["90000004"]}
          - {id: ld-admins, name: Local District administrators, members: ["90000005"]}
        """,
    "access/offices/SPEDOPS/grants.yaml": """
        location: SPEDOPS
        grants:
          - {employee: "90000004", roles: [sped-viewers], granted: 2026-08-01, expires: 2027-07-31}
        """,
    "access/offices/ITD/grants.yaml": """
        location: ITD
        grants:
          - {employee: "90000005", roles: [district-administrator], scope: {cluster: ld-b}, granted: 2026-08-01,
             expires: 2027-07-31}
        """,
}


def generate_district(rng: random.Random) -> District:
    staff = [{"employee": f"9000000{i}", "last_name": f"Admin{i}", "first_name": "Ada", "staff_type": "classified",
              "position": "Access Administrator", "hr_status": "processed", "locations": "[ITD]",
              "git_username": f"admin-{i}"} for i in range(1, 6)]
    grants: dict[str, list[dict[str, str]]] = {}
    for number, (code, _, _, _) in enumerate(SCHOOLS, start=1):
        principal = f"{number}0000001"
        staff.append({"employee": principal, "last_name": f"Principal{code}", "first_name": "Pat",
                      "staff_type": "certificated", "position": "Principal", "hr_status": "processed",
                      "locations": f'["{code}"]', "git_username": f"principal-{code}"})
        grants[code] = [{"employee": principal, "roles": "principal", "granted": "2026-08-01",
                         "expires": "2027-07-31"}]
        for index in range(2, 7):
            employee = f"{number}00000{index:02d}"
            role = rng.choice(ROLES[:5])
            staff.append({"employee": employee, "last_name": f"Name{employee}", "first_name": "Alex",
                          "staff_type": rng.choice(["certificated", "classified"]),
                          "position": POSITIONS.get(role, "Clerk"), "hr_status": "processed",
                          "locations": f'["{code}"]'})
            grants[code].append({"employee": employee, "roles": role, "granted": "2026-08-01",
                                 "expires": "2027-07-31"})
    return District(grants, staff=staff)


BASES: dict[str, dict[str, object]] = {
    "main": {},
    "b-unknown": {"broken": {"300": "unknown-field"}},
    "b-yaml": {"broken": {"400": "bad-yaml"}},
    "b-unquoted": {"broken": {"500": "unquoted-employee"}},
    "b-folder": {"broken": {"200": "wrong-folder"}},
    "b-staff": {"staff_broken": True},
    "b-forbid": {"policy_extra": FORBID},
    "b-several": {"broken": {"300": "unknown-field", "400": "bad-yaml"}, "policy_extra": FORBID},
    "b-stale-owners": {"stale_owners": True},
}
CODEOWNERS = ".github/CODEOWNERS"


def write_codeowners(root: Path) -> None:
    """What `rolebook codeowners` writes, from the data that loads."""
    (root / ".github").mkdir(exist_ok=True)
    (root / CODEOWNERS).write_text(generate_codeowners(load_tolerant(root)[0], DAY))


def make_stale(root: Path) -> None:
    """A principal changed by hand in the data's absence: one school's line and one office's are wrong."""
    path = root / CODEOWNERS
    path.write_text(path.read_text().replace("@principal-300", "@principal-old").replace(
        "/access/offices/SPEDOPS/ @admin-4\n", ""))


def variant(clean: District, settings: dict[str, object]) -> District:
    found = clean.copy()
    found.broken = dict(settings.get("broken", {}))  # type: ignore[call-overload]
    found.staff_broken = bool(settings.get("staff_broken", False))
    found.policy_extra = str(settings.get("policy_extra", ""))
    return found


def write_district(root: Path, district: District) -> None:
    write_files(root, district.files())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, District]]:
    root = tmp_path_factory.mktemp("equivalence") / "repo"
    root.mkdir()
    # The roles the generated grants use (fewer files: the full path writes each revision out)
    (root / "roles").mkdir()
    for name in ["categories", "policy", *ROLES, "principal", "sped-viewers", "district-administrator"]:
        shutil.copy(REPO_ROOT / "roles" / f"{name}.yaml", root / "roles" / f"{name}.yaml")
    write_files(root, dict(STATIC))
    clean = generate_district(random.Random(11))
    write_district(root, clean)
    write_codeowners(root)
    git_init(root)
    bases = {}
    for name, settings in BASES.items():
        bases[name] = variant(clean, settings)
        if name == "main":
            continue
        git(root, "checkout", "-q", "-b", name, "main")
        write_district(root, bases[name])
        if settings.get("stale_owners"):
            make_stale(root)
        git(root, "commit", "-qam", f"base {name}")
    git(root, "checkout", "-q", "main")
    return root, bases


# ---------------------------------------------------------------------- generated changes
def mutate(rng: random.Random, district: District) -> list[str]:
    """Change the district as a pull request might; what was done, for the failure message."""
    done: list[str] = []
    schools = [code for code, *_ in SCHOOLS]
    people = [m["employee"] for m in district.staff]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        code = rng.choice(schools)
        grants = district.grants[code]
        kind = rng.choice(["add", "add", "add", "remove", "change"])
        if kind == "add":
            employee = rng.choice(people) if rng.random() > 0.1 else "77777777"
            roles = ", ".join(rng.sample(ROLES, rng.choice([1, 1, 2])))
            expires = rng.choice(["2027-06-30", "2031-06-30", "2026-11-30"])
            grants.append({"employee": employee, "roles": roles, "granted": "2026-11-20", "expires": expires})
        elif kind == "remove" and len(grants) > 1:
            for _ in range(rng.choice([1, 1, 4])):
                if len(grants) > 1:
                    grants.pop(rng.randrange(1, len(grants)))
        else:
            grant = rng.choice(grants)
            choice = rng.random()
            if choice < 0.4:
                grant["roles"] = ", ".join(rng.sample(ROLES, 1))
            elif choice < 0.7:
                grant["expires"] = rng.choice(["2027-06-30", "2030-01-01", "2026-11-25"])
            else:
                grant["status"] = rng.choice(["locked", "suspended"])
        done.append(f"{kind} at {code}")
        if code in district.broken and rng.random() < 0.4:
            del district.broken[code]
            done.append(f"fixed {code}")
    if rng.random() < 0.25:  # who approves for a school: its principal's grant
        code = rng.choice(schools)
        grants = district.grants[code]
        choice = rng.random()
        if choice < 0.3:
            grants[0]["expires"] = rng.choice(["2026-11-01", "2028-06-30"])
        elif choice < 0.5:
            grants[0]["status"] = rng.choice(["locked", "suspended"])
        elif choice < 0.8:
            grants.append({"employee": rng.choice(people[:5] + people[5::6]), "roles": "principal",
                           "granted": "2026-11-20", "expires": "2027-06-30"})
        else:
            grants[0]["roles"] = "teacher"
        done.append(f"principal's grant at {code}")
    if rng.random() < 0.08:
        code = rng.choice(schools)
        district.grants[code].append({"employee": rng.choice(people), "roles": "school-limited-read",
                                      "granted": "2026-11-20", "expires": "2027-06-30",
                                      "scope": rng.choice(["{cluster: ld-a}", "{all_schools: true}"])})
        done.append(f"wide grant at {code}")
    roll = rng.random()
    if roll < 0.06:
        member = rng.choice(district.staff[5:])
        member["hr_status"] = rng.choice(["separated", "pending"])
        done.append(f"staff {member['employee']} {member['hr_status']}")
    elif roll < 0.1:
        district.policy_extra = "" if district.policy_extra else FORBID
        done.append("policy: forbidden combinations toggled")
    elif roll < 0.13:
        district.district_note = "# a comment in the district file\n"
        done.append("district changed")
    elif roll < 0.16:
        district.role_note = "# a comment in a role file\n"
        done.append("role changed")
    elif roll < 0.18:
        district.staff_broken = not district.staff_broken
        done.append("staff file broken/fixed")
    if rng.random() < 0.15:
        code = rng.choice(schools)
        district.broken[code] = rng.choice(BREAKS)
        district.grants[code].append({"employee": rng.choice(people), "roles": "teacher", "granted": "2026-11-20",
                                      "expires": "2027-06-30"})
        done.append(f"broke {code}: {district.broken[code]}")
    return done


@dataclass(frozen=True)
class Answer:
    exit_code: int
    new: frozenset[tuple[object, ...]]
    old_load_errors: frozenset[tuple[object, ...]]

    @classmethod
    def of(cls, result: Validation) -> Answer:
        return cls(1 if result.blocking else 0,
                   frozenset((f.code, f.severity.value, f.file, f.line, f.message) for f in result.findings),
                   frozenset((f.file, f.line, f.column, f.message) for f in result.preexisting if f.code == LOAD_ERROR))


def answer(root: Path, base: str, *, full: bool) -> tuple[Answer, bool]:
    """(the answer of `validate --base` (`full`: `--full`), whether the partial path gave it)."""
    try:
        partial = None if full else pull_request_partial(root, base, DAY)
        if partial is not None:
            return Answer.of(partial), True
        return Answer.of(pull_request_full(root, base, DAY, full=full)), False
    except ChangeUnloadable as failed:
        return Answer(2, frozenset((e.file, e.line, e.column, e.message) for e in failed.new),
                      frozenset((e.file, e.line, e.column, e.message) for e in failed.old)), False


def gate_answer(root: Path, base: str, head: str, *, partial: bool) -> object:
    found = read_git(root, base, head)
    try:
        with gate_revisions(root, found, partial_load=partial) as (base_repo, start, head_repo):
            revisions = Revisions(base_repo, start, head_repo, found.base_sha, found.head_sha, found.changed_files)
            result = requirements(revisions, "someone", DAY)
            return result.as_dict(), [repr(change) for change in result.changes]
    except BaseUnavailable as exc:
        return str(exc)


def reset(root: Path, base: str) -> None:
    git(root, "checkout", "-q", "-f", base)
    git(root, "clean", "-fdq", "--", "access", "roles", ".github")


def run_case(root: Path, bases: dict[str, District], seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    base = rng.choice(list(BASES))
    reset(root, base)
    head = bases[base].copy()
    done = mutate(rng, head)
    write_district(root, head)
    owners = rng.random()
    if owners < 0.12:
        write_codeowners(root)
        done.append("CODEOWNERS regenerated")
    elif owners < 0.16:
        make_stale(root)
        done.append("CODEOWNERS edited")
    what = f"seed {seed}, base {base}: {'; '.join(done)}"
    if seed % 6 == 0:  # the verdict cache only saves reading files: without it, the same answer
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    (usual, took_partial), (full, _) = answer(root, base, full=False), answer(root, base, full=True)
    assert usual == full, what
    if seed % 6 == 3:  # and with what the full path just remembered
        assert answer(root, base, full=False)[0] == full, what
    # The approval gate, on the change committed to a branch: every fourth case, and every wide grant
    # (a cluster or all-schools grant added to a school's file reaches schools a partial load does not read).
    if seed % 4 == 0 or any(step.startswith("wide grant") for step in done):
        git(root, "checkout", "-q", "-b", "pr")
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "change")
        assert gate_answer(root, base, "pr", partial=True) == gate_answer(root, base, "pr", partial=False), what
        reset(root, base)
        git(root, "branch", "-q", "-D", "pr")
    return {"partial": took_partial, "exit": full.exit_code, "old": bool(full.old_load_errors)}


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_generated_pull_requests_get_one_answer(generated: tuple[Path, dict[str, District]], chunk: int) -> None:
    root, bases = generated
    outcomes = [run_case(root, bases, seed) for seed in range(chunk, CASES, CHUNKS)]
    # The cases reach what they are for: the partial path, broken files in and outside the change.
    assert sum(bool(o["partial"]) for o in outcomes) >= 5
    assert {o["exit"] for o in outcomes} >= {1, 2}
    assert any(o["old"] for o in outcomes)


def test_a_plain_one_grant_pull_request_takes_the_partial_path(generated: tuple[Path, dict[str, District]]) -> None:
    """A GitHub-hosted district (.github/CODEOWNERS, current): one grant added, the fast path answers."""
    root, bases = generated
    reset(root, "main")
    assert (root / CODEOWNERS).is_file()
    head = bases["main"].copy()
    head.grants["300"].append({"employee": "30000003", "roles": "teacher", "granted": "2026-11-20",
                               "expires": "2027-06-30"})
    write_district(root, head)
    usual, took_partial = answer(root, "main", full=False)
    assert took_partial
    assert usual == answer(root, "main", full=True)[0]
    # The same grant with a principal's role changes that school's line: still the partial path, and found.
    head.grants["300"][-1]["roles"] = "principal"
    head.grants["300"][-1]["employee"] = "90000001"
    write_district(root, head)
    usual, took_partial = answer(root, "main", full=False)
    assert took_partial and usual == answer(root, "main", full=True)[0]
    assert [message for code, *_, message in usual.new if code == "RB601"] == [
        f".github/CODEOWNERS line {_line_of(root, '/access/schools/300/')} is out of date with the data; "
        "it should be: /access/schools/300/ @admin-1 @principal-300"]


def _line_of(root: Path, pattern: str) -> int:
    lines = (root / CODEOWNERS).read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(pattern))


def test_the_command_line_agrees_on_a_few(generated: tuple[Path, dict[str, District]]) -> None:
    root, bases = generated
    for seed in (3, 7, 12):
        rng = random.Random(seed)
        base = rng.choice(["b-unknown", "b-yaml", "main"])
        reset(root, base)
        head = bases[base].copy()
        mutate(rng, head)
        write_district(root, head)
        usual = run_cli("validate", "--base", base, "--format", "json", cwd=root)
        full = run_cli("validate", "--base", base, "--full", "--format", "json", cwd=root)
        assert usual.returncode == full.returncode, (seed, usual.stderr, full.stderr)
        if usual.returncode == 2:
            assert usual.stderr == full.stderr
            continue
        mine, theirs = json.loads(usual.stdout), json.loads(full.stdout)
        assert mine["findings"] == theirs["findings"]
        assert [f for f in mine["preexisting"] if f["code"] == LOAD_ERROR] == [
            f for f in theirs["preexisting"] if f["code"] == LOAD_ERROR]


def test_a_broken_file_the_change_does_not_touch_is_already_there(tmp_path: Path) -> None:
    """The reproduced bug: an unknown field in a school's grants file that the pull request does not
    touch. Both modes exit alike and name the broken file at its line, among the problems already there."""
    from conftest import make_mini_repo

    root = make_mini_repo(tmp_path / "repo")
    grants = root / "access/schools/200/grants.yaml"
    grants.write_text(grants.read_text().replace("    roles: [counselor]\n", "    roles: [counselor]\n    colour: blue\n"))
    git_init(root)
    git(root, "checkout", "-q", "-b", "request")
    school = root / "access/schools/100/grants.yaml"
    school.write_text(school.read_text() + '  - employee: "20000003"\n    roles: [office-manager]\n'
                      "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    usual = run_cli("validate", "--base", "main", "--format", "json", cwd=root)
    full = run_cli("validate", "--base", "main", "--full", "--format", "json", cwd=root)
    assert usual.returncode == full.returncode == 1, (usual.stderr, full.stderr)  # RB104 only: not exit 2
    assert json.loads(usual.stdout)["findings"] == json.loads(full.stdout)["findings"]
    for result in (usual, full):
        old = [f for f in json.loads(result.stdout)["preexisting"] if f["code"] == LOAD_ERROR]
        assert [(f["file"], f["line"]) for f in old] == [("access/schools/200/grants.yaml", 9)]
        assert "colour" in old[0]["message"]
    text = run_cli("validate", "--base", "main", cwd=root)
    assert "access/schools/200/grants.yaml" in text.stdout.split("Already on main")[1]
    # The same field added by the change is the change's own problem: exit 2, at its line.
    school.write_text(school.read_text() + "    colour: red\n")
    for args in ((), ("--full",)):
        broken = run_cli("validate", "--base", "main", *args, cwd=root)
        assert broken.returncode == 2
        assert "access/schools/100/grants.yaml:" in broken.stderr and "200/grants.yaml" in broken.stderr
