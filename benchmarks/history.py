"""A whole benchmark repository: the synthetic district, its exports and a Git history of merged PRs.

`tools.synth` writes access/ (the data as it stands today). This module makes a repository of it:

- roles/, mkdocs.yml and site/ copied from this checkout (the catalog the data was fitted to);
- exports/hr-export.csv: the HR export `rolebook hr` reads (our own column names, `;` between locations);
- exports/logins.csv: the MIS login export `rolebook logins import` reads (one row per person, location
  and role; some people never logged in, some not for months);
- a Git history on `main`, written with one `git fast-import`: an initial commit, then `prs` pull
  requests, each a branch commit that adds one grant to one grants file and a merge commit
  "Merge pull request #N from clerk/request-N" with `Approved-by: <login>` trailers, so the last
  commit's tree is exactly the generated data (2 commits per PR: 10,000 PRs make 20,000 commits);
- a branch `request/new-grant` off main that adds exactly one grant (the pull request being checked),
  and exports/reviews.json: GitHub's REST list-reviews answer approving its head commit.

Everything is seeded: the same parameters give the same files and the same commit ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml_rs

from tools import synth

REPO_ROOT = synth.REPO_ROOT
MAIN = "main"
PR_BRANCH = "request/new-grant"
PR_AUTHOR = "clerk-bench"
ENTRY_START = "  - employee: "
HISTORY_START = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.UTC)
HISTORY_END = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
NEW_ROLE = "school-limited-read"
NEW_GRANT = {"granted": "2026-11-20", "expires": "2027-06-30"}


@dataclass
class RepoSummary:
    district: synth.Summary
    prs: int = 0
    commits: int = 0
    merges: int = 0
    hr_rows: int = 0
    login_rows: int = 0
    pr_file: str = ""
    pr_employee: str = ""
    pr_role: str = ""
    pr_head: str = ""
    pr_base: str = ""
    pr_approver: str = ""
    pr_number: int = 0  # the pull request after the history's last one
    files: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_repository(out: Path, params: synth.Params, prs: int) -> RepoSummary:
    """Write a fresh benchmark repository at `out` (anything there is replaced)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    district = synth.generate(out, params)
    for name in ("roles", "site"):
        shutil.copytree(REPO_ROOT / name, out / name, ignore=shutil.ignore_patterns("benchmark.md"))
    shutil.copy2(REPO_ROOT / "mkdocs.yml", out / "mkdocs.yml")
    (out / ".gitignore").write_text("build/\n.rolebook-cache/\nexports/\n", encoding="utf-8")
    rng = random.Random(params.seed * 7919 + prs)
    staff = yaml_rs.loads((out / "access" / "staff.yaml").read_text(encoding="utf-8"))["staff"]
    grants = {path.relative_to(out).as_posix(): yaml_rs.loads(path.read_text(encoding="utf-8"))
              for path in sorted((out / "access").glob("*/*/grants.yaml"))}
    summary = RepoSummary(district=district)
    exports = out / "exports"
    exports.mkdir()
    summary.hr_rows = _write_hr_export(exports / "hr-export.csv", staff)
    summary.login_rows = _write_logins(exports / "logins.csv", grants, rng)
    approvers = _approvers(out, staff, grants)
    _git(out, "init", "-q", "-b", MAIN)
    summary.prs, summary.commits, summary.merges = _write_history(out, grants, approvers, prs, rng)
    _git(out, "checkout", "-q", "-f", MAIN)
    _pull_request(out, staff, grants, approvers, rng, summary)
    summary.files = {"yaml": sum(1 for _ in out.glob("*/**/*.yaml"))}
    return summary


# ------------------------------------------------------------------ exports


def _write_hr_export(path: Path, staff: list[dict[str, Any]]) -> int:
    from rolebook.hr.mapping import FIELDS  # the header `rolebook hr` expects without a mapping

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for member in staff:
        writer.writerow([
            member["employee"], member["last_name"], member["first_name"], member["staff_type"],
            member["position"], member["hr_status"], ";".join(member.get("locations", [])),
            member.get("git_username", ""), "yes" if member.get("contractor") else "no",
            member.get("sponsor", ""), str(member.get("contract_end", "") or ""),
        ])
    path.write_text(out.getvalue(), encoding="utf-8")
    return len(staff)


def _write_logins(path: Path, grants: dict[str, Any], rng: random.Random) -> int:
    """Last logins per person, location and role: most recent, some dormant, some never."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["employee_number", "location_code", "role", "last_login"])
    rows = 0
    for data in grants.values():
        for grant in data.get("grants") or []:
            for role in grant["roles"]:
                draw = rng.random()
                if draw < 0.04:
                    when = ""  # never logged in
                else:
                    days = rng.randint(0, 30) if draw < 0.9 else rng.randint(91, 400)
                    moment = dt.datetime(2026, 11, 22, 16, 0) - dt.timedelta(days=days, minutes=rng.randint(0, 600))
                    when = moment.strftime("%Y-%m-%dT%H:%M:00Z")
                writer.writerow([grant["employee"], data["location"], role, when])
                rows += 1
    path.write_text(out.getvalue(), encoding="utf-8")
    return rows


# ------------------------------------------------------------------ history


def _approvers(out: Path, staff: list[dict[str, Any]], grants: dict[str, Any]) -> dict[str, list[str]]:
    """Grants file -> Git usernames who approve it: a school's principals, an office's approver group."""
    logins = {m["employee"]: m.get("git_username") for m in staff}
    district = yaml_rs.loads((out / "access" / "district.yaml").read_text(encoding="utf-8"))
    groups = yaml_rs.loads((out / "access" / "groups.yaml").read_text(encoding="utf-8"))["groups"]
    members = {g["id"]: [logins[e] for e in g.get("members") or [] if logins.get(e)] for g in groups}
    office_groups = {o["code"]: o.get("approvers") for o in district["offices"]}
    found: dict[str, list[str]] = {}
    for file, data in grants.items():
        if file.startswith("access/schools/"):
            names = [logins[g["employee"]] for g in data.get("grants") or []
                     if "principal" in g["roles"] and logins.get(g["employee"])]
        else:
            names = members.get(office_groups.get(data["location"]) or "", [])
        found[file] = names or members.get("access-administrators", [])
    return found


def _blocks(text: str) -> tuple[str, list[str]]:
    """A grants file as its header and one text block per grant entry."""
    lines = text.splitlines(keepends=True)
    header: list[str] = []
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith(ENTRY_START):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            header.append(line)
    return "".join(header), ["".join(b) for b in blocks]


def _render(header: str, blocks: list[str], present: list[bool]) -> bytes:
    body = [b for b, keep in zip(blocks, present, strict=True) if keep]
    if not body and header.endswith("grants:\n"):
        return (header[: -len("grants:\n")] + "grants: []\n").encode()
    return (header + "".join(body)).encode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _stamp(moment: dt.datetime) -> str:
    return f"{int(moment.timestamp())} +0000"


def _write_history(out: Path, grants: dict[str, Any], approvers: dict[str, list[str]], prs: int,
                   rng: random.Random) -> tuple[int, int, int]:
    """Stream the whole history into `git fast-import`; returns (prs, commits, merges)."""
    files = {f: _blocks((out / f).read_text(encoding="utf-8")) for f in grants}
    slots = [(f, i) for f, (_h, blocks) in files.items() for i in range(len(blocks))]
    prs = min(prs, len(slots))
    chosen = rng.sample(slots, prs)  # the grants that arrived by pull request, in merge order
    present = {f: [True] * len(blocks) for f, (_h, blocks) in files.items()}
    for f, i in chosen:
        present[f][i] = False
    static = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                    if p.is_file() and p.relative_to(out).parts[0] in {"roles", "access", "site"}
                    and p.relative_to(out).as_posix() not in files)
    static += [".gitignore", "mkdocs.yml"]
    span = (HISTORY_END - HISTORY_START).total_seconds()
    commits = merges = 0

    def stream() -> Iterator[bytes]:
        nonlocal commits, merges
        yield b"reset refs/heads/%s\n" % MAIN.encode()
        moment = HISTORY_START - dt.timedelta(days=1)
        yield f"commit refs/heads/{MAIN}\nmark :1\n".encode()
        yield f"author Access Administrators <access@example.org> {_stamp(moment)}\n".encode()
        yield f"committer Access Administrators <access@example.org> {_stamp(moment)}\n".encode()
        yield _data(b"Import the access data\n")
        for path in static:
            yield f"M 100644 inline {path}\n".encode() + _data((out / path).read_bytes())
        for f, (header, blocks) in files.items():
            yield f"M 100644 inline {f}\n".encode() + _data(_render(header, blocks, present[f]))
        yield b"\n"
        commits += 1
        main_mark = 1
        for number, (f, i) in enumerate(chosen, start=1):
            moment = HISTORY_START + dt.timedelta(seconds=span * number / (prs + 1))
            present[f][i] = True
            branch = f"clerk/request-{number}"
            employee = files[f][1][i][len(ENTRY_START):].split()[0].strip('"')
            pr_mark, merge_mark = 2 * number, 2 * number + 1
            who = f"Clerk {number % 97} <clerk{number % 97}@example.org>"
            yield f"commit refs/heads/{MAIN}\nmark :{pr_mark}\n".encode()
            yield f"author {who} {_stamp(moment)}\ncommitter {who} {_stamp(moment)}\n".encode()
            yield _data(f"Grant access to {employee} ({f.split('/')[2]})\n".encode())
            yield f"from :{main_mark}\n".encode()
            yield f"M 100644 inline {f}\n".encode() + _data(_render(*files[f], present[f]))
            yield b"\n"
            names = approvers[f]
            approver = names[number % len(names)] if names else "access-admin"
            later = moment + dt.timedelta(hours=2)
            message = (f"Merge pull request #{number} from {branch}\n\nGrant access to {employee}\n\n"
                       f"Approved-by: {approver}\n")
            yield f"commit refs/heads/{MAIN}\nmark :{merge_mark}\n".encode()
            yield f"author {who} {_stamp(later)}\n".encode()
            yield f"committer GitHub <noreply@github.com> {_stamp(later)}\n".encode()
            yield _data(message.encode())
            yield f"from :{main_mark}\nmerge :{pr_mark}\n".encode()
            yield f"M 100644 inline {f}\n".encode() + _data(_render(*files[f], present[f]))
            yield b"\n"
            main_mark = merge_mark
            commits += 2
            merges += 1
        yield b"done\n"

    process = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out, stdin=subprocess.PIPE)
    assert process.stdin is not None
    buffer: list[bytes] = []
    size = 0
    for chunk in stream():
        buffer.append(chunk)
        size += len(chunk)
        if size > 1 << 22:
            process.stdin.write(b"".join(buffer))
            buffer, size = [], 0
    process.stdin.write(b"".join(buffer))
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return prs, commits, merges


# ------------------------------------------------------------------ the pull request


def _pull_request(out: Path, staff: list[dict[str, Any]], grants: dict[str, Any],
                  approvers: dict[str, list[str]], rng: random.Random, summary: RepoSummary) -> None:
    """Branch PR_BRANCH adds one grant: school-limited-read for a school worker who has no access yet."""
    holders = {(data["location"], g["employee"]) for data in grants.values() for g in data.get("grants") or []}
    candidates = [(m["employee"], loc) for m in staff
                  if m["hr_status"] == "processed" and not m.get("contractor") for loc in m.get("locations", [])
                  if f"access/schools/{loc}/grants.yaml" in grants and (loc, m["employee"]) not in holders]
    if not candidates:
        raise RuntimeError("no staff member without a grant to give one to")
    employee, location = candidates[rng.randrange(len(candidates))]
    file = f"access/schools/{location}/grants.yaml"
    path = out / file
    text = path.read_text(encoding="utf-8")
    if text.endswith("grants: []\n"):
        text = text[: -len("grants: []\n")] + "grants:\n"
    text += (f'{ENTRY_START}"{employee}"\n    roles: [{NEW_ROLE}]\n    granted: {NEW_GRANT["granted"]}\n'
             f'    expires: {NEW_GRANT["expires"]}\n    reason: Reads class lists for lunch service\n')
    _git(out, "checkout", "-q", "-b", PR_BRANCH)
    path.write_text(text, encoding="utf-8")
    env = {"GIT_AUTHOR_DATE": "2026-11-21T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-21T10:00:00Z"}
    _git(out, "-c", "user.name=Clerk Bench", "-c", f"user.email={PR_AUTHOR}@example.org", "commit", "-q",
         "-am", f"Grant {NEW_ROLE} to {employee} at {location}", env=env)
    head = _git(out, "rev-parse", "HEAD").strip()
    base = _git(out, "rev-parse", MAIN).strip()
    approver = (approvers.get(file) or ["access-admin"])[0]
    number = summary.prs + 1
    reviews = [{
        "id": 80000001, "node_id": "PRR_kwDOBenchmark01",
        "user": {"login": approver, "id": 1001, "type": "User"},
        "body": "Approved for the new school year.", "state": "APPROVED",
        "html_url": f"https://github.com/district/access/pull/{number}#pullrequestreview-80000001",
        "pull_request_url": f"https://api.github.com/repos/district/access/pulls/{number}",
        "author_association": "MEMBER", "submitted_at": "2026-11-21T11:00:00Z", "commit_id": head,
    }]
    (out / "exports" / "reviews.json").write_text(json.dumps(reviews, indent=2) + "\n", encoding="utf-8")
    summary.pr_file, summary.pr_employee, summary.pr_role = file, employee, NEW_ROLE
    summary.pr_head, summary.pr_base, summary.pr_approver = head, base, approver
    summary.pr_number = number


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    import os

    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout
