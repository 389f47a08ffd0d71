"""The internal audit site's data: a Security Audit Report per location, the dashboard, the people index.

Everything here is computed once per build from the loaded repository, the effective access, the policy
findings and the Git history; the templates only lay it out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import Any

from rolebook.facts.applied import LiveRecord, reached_live
from rolebook.facts.approval_records import RecordedApproval
from rolebook.facts.dormancy import last_login_in_role, last_logins
from rolebook.facts.grant_status import gives_access, status_label
from rolebook.facts.history import Commit, History
from rolebook.facts.resolve import Access, by_employee, by_location, effective_access
from rolebook.facts.review_status import ItemDecision, ReviewStanding, review_standings
from rolebook.loading import Repository
from rolebook.model.files import HRStatus, LocationKind, SchoolLevel, StaffMember
from rolebook.model.findings import Finding, Severity
from rolebook.policy.check import Report, run_rules

# The district's report (000), in its order, then Rolebook's own columns: page and downloads alike.
DISTRICT_COLUMNS = (
    "Location Code", "Employee Number", "School Name", "User Role(s)", "Last Name", "First Name",
    "Last Login Date", "Staff Type", "Status",
)
EXPORT_HEADER = (
    *DISTRICT_COLUMNS, "Expires", "Access", "Request", "Approved By", "Approved Commit", "Approved On",
    "Live Since", "Last Review", "Review Decision", "Decided By", "Review Request", "Findings",
)
FEED_LENGTH = 25
NO_VALUE = "—"
NOT_YET_LIVE = "not yet"
NO_REVIEW = "no review on record"

# One recorded approval as the report shows it: (who, the commit approved, when: ISO date).
Approval = tuple[str, str, str]


@dataclass(frozen=True)
class ReviewCells:
    """A grant's line from its school's last completed review, as the report shows it."""

    review: str  # "2026-H2, 2026-09-15", or NO_REVIEW
    decision: str  # "keep", "remove: left the school", "change to teacher", "not listed in the 2026-H2 review"
    decided_by: str
    request: str  # "PR #7", "commit 1a2b3c4d" or NO_VALUE
    pr: int | None
    sha: str | None


NO_REVIEW_CELLS = ReviewCells(NO_REVIEW, NO_VALUE, NO_VALUE, NO_VALUE, None, None)


@dataclass
class Row:
    location: str
    school_name: str
    employee: str
    last_name: str
    first_name: str
    roles: list[tuple[str, str]]  # (role id, role name)
    status: str
    last_login: str
    staff_type: str
    expires: str
    how: str
    cluster: str | None
    request: str
    pr: int | None
    sha: str | None
    approvals: tuple[Approval, ...]  # who approved the request, from the recorded evidence
    approval_note: str  # when there are none: why ("PR #42: no approval recorded", "Before Rolebook: ...")
    live_since: str
    review: ReviewCells = NO_REVIEW_CELLS
    findings: list[Finding] = field(default_factory=list)

    def export(self) -> list[str]:
        approvals = self.approvals
        review = self.review
        return [
            self.location, self.employee, self.school_name, "; ".join(name for _, name in self.roles),
            self.last_name, self.first_name, self.last_login, self.staff_type, self.status,
            self.expires, self.how, self.request,
            "; ".join(a[0] for a in approvals) if approvals else self.approval_note,
            "; ".join(a[1] for a in approvals) if approvals else NO_VALUE,
            "; ".join(a[2] for a in approvals) if approvals else NO_VALUE,
            self.live_since, review.review, review.decision, review.decided_by, review.request,
            "; ".join(f"{f.code}: {f.message}" for f in self.findings),
        ]


@dataclass
class AuditData:
    repo: Repository
    today: dt.date
    built_at: dt.datetime
    history: History
    report: Report
    accesses: list[Access]
    # Each school's review standing: the validator's own answer (RB704), from the repository's reviews.
    reviews: dict[str, ReviewStanding]

    def __post_init__(self) -> None:
        self.by_location = by_location(self.accesses)
        self.findings_at: dict[str, list[Finding]] = defaultdict(list)
        # (location, employee) -> findings: a report row looks its findings up instead of filtering
        # the location's findings once per row.
        self.findings_of: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for finding in self.report.findings:
            if finding.location:
                self.findings_at[finding.location].append(finding)
                if finding.employee:
                    self.findings_of[(finding.location, finding.employee)].append(finding)

        self.role_names = {role_id: role.name for role_id, role in self.repo.roles.items()}
        stored = self.repo.logins
        self.logins = {employee: when.date() for employee, when in stored.last_login_anywhere.items()}
        # Last Login per user role at each location, as the district's report defines it (an export without
        # per-role data gives each location one date for every role).
        self.role_logins = last_logins(stored.records)
        # A report row's Last Login when there is none: never logged in, or unknown and why.
        self.no_login = "never" if stored.present and not stored.errors else NO_VALUE
        self.login_note = login_note(self.repo)
        self._person_cells: dict[str, tuple[str, str, str]] = {}
        self._commit_cells: dict[str, CommitCells] = {}
        self._review_requests: dict[str, tuple[str, int | None, str | None]] = {}
        self._decision_cells: dict[tuple[ItemDecision, str], ReviewCells] = {}
        # (grants file's code, index) -> the cells of a grant that reaches many locations.
        self.reaching_grant_cells: dict[tuple[str, int], GrantCells] = {}

    def person_cells(self, employee: str) -> tuple[str, str, str]:
        """A report row's last name, first name and staff type of a person (also one not in the directory)."""
        cells = self._person_cells.get(employee)
        if cells is None:
            person = self.repo.staff.get(employee)
            if person is None:
                cells = (NO_VALUE, "(not in the HR directory)", NO_VALUE)
            else:
                cells = (person.last_name, person.first_name,
                         f"{person.staff_type.value.title()} ({person.position})")
            self._person_cells[employee] = cells
        return cells

    def commit_cells(self, commit: Commit | None) -> CommitCells:
        """A report row's request label, PR number, commit sha, recorded approvals (or why there are
        none) and when the commit's content reached the live system. Memoised: commits recur."""
        if commit is None:  # not in Git (or not committed yet): nothing to show, nothing applied
            return NO_VALUE, None, None, (), NO_VALUE, NOT_YET_LIVE if self.live.reached else NO_VALUE
        cells = self._commit_cells.get(commit.sha)
        if cells is None:
            approvals = tuple(self.approval(a) for a in commit.approvals)
            when = self.live.when(commit.sha)
            live_since = when[:10] if when else NOT_YET_LIVE if self.live.reached else NO_VALUE
            cells = (commit.request, commit.pr, commit.sha, approvals, no_approval_note(commit), live_since)
            self._commit_cells[commit.sha] = cells
        return cells

    def approval(self, recorded: RecordedApproval) -> Approval:
        """(who, the commit approved, when): 'Pat Park (pat-park, 10000001)', 'a1b2c3d4', '2026-11-02'."""
        name = recorded.name
        if name is None and recorded.employee is not None:
            member = self.repo.staff.get(recorded.employee)
            name = member.display_name if member else None
        ids = ", ".join(part for part in (recorded.login, recorded.employee) if part)
        who = f"{name} ({ids})" if name else ids
        return who, recorded.commit_id[:8], recorded.submitted_at[:10]

    def review_cells(self, code: str, employee: str, via: str, roles: list[str]) -> ReviewCells:
        """The school's last completed review's decision on this grant (the standing RB704 reads)."""
        standing = self.reviews.get(code)
        if standing is None or standing.latest is None:
            return NO_REVIEW_CELLS
        decision = standing.decision_for(employee, via, roles)
        label = standing.label or standing.latest.period
        if decision is None:
            return ReviewCells(label, f"not listed in the {standing.latest.period} review",
                               NO_VALUE, NO_VALUE, None, None)
        key = (decision, label)
        cells = self._decision_cells.get(key)
        if cells is None:
            request, pr, sha = self.review_request(decision)
            text = decision.label + (f": {decision.reason}" if decision.reason else "")
            cells = ReviewCells(label, text, self.git_user(decision.decided_by), request, pr, sha)
            self._decision_cells[key] = cells
        return cells

    def review_request(self, decision: ItemDecision) -> tuple[str, int | None, str | None]:
        """The PR (or commit) a review came in by: the commit it records, else the last commit that
        changed its file."""
        key = decision.commit or decision.file
        found = self._review_requests.get(key)
        if found is None:
            commit = self.commit_by_sha(decision.commit) if decision.commit else None
            if commit is None:
                commit = self.last_change.get(decision.file)
            found = (commit.request, commit.pr, commit.sha) if commit else (
                (f"commit {decision.commit[:8]}", None, decision.commit) if decision.commit else (NO_VALUE, None, None))
            self._review_requests[key] = found
        return found

    def commit_by_sha(self, sha: str) -> Commit | None:
        """A mainline commit by its id or a prefix of it (review files may record a short id)."""
        exact = self.commits_by_sha.get(sha)
        if exact is not None:
            return exact
        return next((c for c in self.history.commits if c.sha.startswith(sha)), None)

    @cached_property
    def commits_by_sha(self) -> dict[str, Commit]:
        return {commit.sha: commit for commit in self.history.commits}

    @cached_property
    def last_change(self) -> dict[str, Commit]:
        """file -> the newest mainline commit that changed an employee's line in it."""
        found: dict[str, Commit] = {}
        for commit in self.history.commits:  # newest first
            for file in commit.changes:
                found.setdefault(file, commit)
        return found

    def git_user(self, login: str | None) -> str:
        """'Pat Park (pat-park)' for a Git username the directory knows; the username otherwise."""
        if not login:
            return NO_VALUE
        member = self.staff_by_login.get(login)
        return f"{member.display_name} ({login})" if member else login

    @cached_property
    def staff_by_login(self) -> dict[str, StaffMember]:
        return {m.git_username: m for m in self.repo.staff.values() if m.git_username}

    @cached_property
    def live(self) -> LiveRecord:
        """When each commit's content reached a live system (`rolebook apply`'s records in Git notes)."""
        return reached_live(self.repo.root)

    @cached_property
    def by_employee(self) -> dict[str, list[Access]]:
        """Only the dashboard and the person index need this: worked out when they run, which at district
        scale is while the reports are rendered in other processes (see output/site/generate.py)."""
        return by_employee(self.accesses)

    @property
    def commit_label(self) -> str:
        if not self.history.available or self.history.head is None:
            return "not in Git"
        return self.history.head[:12] + (" with uncommitted changes" if self.history.dirty else "")

    def location_dir(self, code: str) -> str:
        kind = "schools" if code in self.repo.schools else "offices"
        return f"access/{kind}/{code}"


def collect(repo: Repository, today: dt.date, built_at: dt.datetime, history: History) -> AuditData:
    return AuditData(repo=repo, today=today, built_at=built_at, history=history,
                     report=run_rules(repo, today), accesses=effective_access(repo),
                     reviews=review_standings(repo, today))


def login_note(repo: Repository) -> str | None:
    """What the Last Login column cannot say by itself: no login data, or login data that cannot be read."""
    stored = repo.logins
    if not stored.present:
        return "no login data imported (`rolebook logins import`)"
    if stored.errors:
        problem = stored.errors[0]
        return (f"unknown: the login data cannot be read ({problem.file}:{problem.line}: {problem.message}); "
                f"{problem.hint}")
    return None


CommitCells = tuple[str, int | None, str | None, tuple[Approval, ...], str, str]


def no_approval_note(commit: Commit) -> str:
    """What the Approved By cell says when no approval is on record for the commit that made a grant."""
    if commit.before_rolebook:
        return f"Before Rolebook: imported on {commit.date[:10]}, no approval on record"
    if commit.pr is not None:
        return f"PR #{commit.pr}: no approval recorded"
    return f"commit {commit.short}: made without a pull request, no approval on record"


def approved_text(approval: Approval) -> str:
    """One approval in a sentence: 'Pat Park (pat-park, 10000001), approved a1b2c3d4 on 2026-11-02'."""
    who, commit, when = approval
    return f"{who}, approved {commit} on {when}"


def review_via(access: Access) -> str:
    """How a review file names the way a grant reaches the school: 'direct', 'cluster ID', 'all-schools'."""
    if access.via == "cluster":
        return f"cluster {access.cluster}"
    return access.via


def how_label(repo: Repository, access: Access) -> str:
    """Direct, via cluster X (from the office whose file holds the grant), or all schools."""
    if access.via == "cluster" and access.cluster:
        cluster = repo.clusters.get(access.cluster)
        return f"via cluster {cluster.name if cluster else access.cluster} ({access.source.code})"
    if access.via == "all-schools":
        return f"all schools ({access.source.code})"
    return "direct"


def location_rows(data: AuditData, code: str) -> list[Row]:
    """One row per grant reaching this location (a grant's roles together), ordered by name."""
    grouped: dict[tuple[str, int], list[Access]] = defaultdict(list)
    for access in data.by_location.get(code, []):
        grouped[(access.source.code, access.index)].append(access)
    findings_of = data.findings_of
    reaching = data.reaching_grant_cells
    school_name = data.repo.location_name(code)
    reviewed = code in data.reviews and data.reviews[code].latest is not None
    rows = []
    for key, accesses in grouped.items():
        first = accesses[0]
        shared = None if first.via == "direct" else reaching.get(key)
        if shared is not None:  # a cluster or all-schools grant: the same cells at every location it reaches
            cells = shared
        else:
            cells = grant_cells(data, accesses)
            if first.via != "direct":
                reaching[key] = cells
        employee = cells[0]
        findings = findings_of.get((code, employee), ())
        if first.source.code != code:
            findings = [*findings, *findings_of.get((first.source.code, employee), ())]
        review = data.review_cells(code, employee, review_via(first), [r for r, _ in cells[3]]) \
            if reviewed else NO_REVIEW_CELLS
        login = login_cell(data, employee, code, cells[3])
        if login != cells[5]:
            cells = (*cells[:5], login, *cells[6:])
        rows.append(Row(code, school_name, *cells, review=review,
                        findings=list(dict.fromkeys(findings)) if findings else []))
    rows.sort(key=lambda r: (r.last_name.lower(), r.first_name.lower(), r.employee))
    return rows


def login_cell(data: AuditData, employee: str, code: str, roles: list[tuple[str, str]]) -> str:
    """The Last Login Date of one row: per user role at this location (the district's report's meaning).
    One date when the row's roles share it; else each role's, as "Health Office: 2026-05-02; ..."."""
    logins = data.role_logins
    if not logins:
        return data.no_login
    dates = [last_login_in_role(logins, employee, code, role_id) for role_id, _ in roles]
    shown = [when.date().isoformat() if when is not None else data.no_login for when in dates]
    if len(set(shown)) == 1:
        return shown[0]
    return "; ".join(f"{name}: {day}" for (_, name), day in zip(roles, shown, strict=True))


GrantCells = tuple[str, str, str, list[tuple[str, str]], str, str, str, str, str, str | None,
                   str, int | None, str | None, tuple[Approval, ...], str, str]


def grant_cells(data: AuditData, accesses: list[Access]) -> GrantCells:
    """A report row's cells but its location, school name, review and findings, in Row's order: from
    one grant's accesses.

    A quarter of a million rows at district scale: what rows share (a person, a commit, a role's name)
    comes from AuditData's memos."""
    first = accesses[0]
    source = first.source
    grant = source.model.grants[first.index]
    employee = grant.employee
    role_ids = [first.role] if len(accesses) == 1 else list(dict.fromkeys(a.role for a in accesses))
    role_names = data.role_names
    login = data.logins.get(employee)
    expires = grant.expires
    last_name, first_name, staff_type = data.person_cells(employee)
    return (
        employee, last_name, first_name,
        [(r, role_names.get(r, r)) for r in role_ids],
        status_label(grant.status, expires, data.today),
        login.isoformat() if login else data.no_login,
        staff_type,
        expires.isoformat() if expires else "never",
        "direct" if first.via == "direct" else how_label(data.repo, first),
        first.cluster,
        *data.commit_cells(data.history.introduced(source.file, employee)),
    )


def role_counts(data: AuditData, code: str) -> list[dict[str, Any]]:
    """Each role's active holders here against the guide's recommendation."""
    repo = data.repo
    school = repo.schools.get(code)
    level: SchoolLevel | None = school.level if school else None
    holders: dict[str, set[str]] = defaultdict(set)
    today = data.today
    for access in data.by_location.get(code, []):
        grant = access.grant
        if gives_access(grant.status, grant.expires, today):
            holders[access.role].add(access.employee)
    wanted = set(holders)
    if school is not None:
        for candidate in repo.roles.values():
            levels = candidate.applies_to.school_levels
            if (LocationKind.school in candidate.applies_to.locations
                    and (levels is None or school.level in levels)
                    and (candidate.quota.minimum_for(level) or 0) > 0):
                wanted.add(candidate.id)
    counts = []
    for role_id in sorted(wanted, key=lambda r: repo.roles[r].name.lower() if r in repo.roles else r):
        role = repo.roles.get(role_id)
        held = len(holders.get(role_id, ()))
        limit = minimum = None
        if role is not None:
            minimum = role.quota.minimum_for(level)
            limit = role.quota.allowed_by_ratio(school.enrollment, level) if school else None
            if role.quota.maximum is not None:
                limit = role.quota.maximum if limit is None else min(limit, role.quota.maximum)
        if limit is not None and held > limit:
            assessment = "over"
        elif minimum is not None and held < minimum:
            assessment = "under"
        else:
            assessment = "ok"
        counts.append({"id": role_id, "name": role.name if role else role_id,
                       "level": role.security_level.value if role else "", "held": held,
                       "recommended": role.quota.text if role else NO_VALUE,
                       "limit": limit, "minimum": minimum, "assessment": assessment})
    return counts


def location_header(data: AuditData, code: str) -> dict[str, Any]:
    repo = data.repo
    school = repo.schools.get(code)
    office = repo.offices.get(code)
    cluster_id = school.cluster if school else (office.cluster if office else None)
    cluster = repo.clusters.get(cluster_id) if cluster_id else None
    standing = data.reviews.get(code)  # None for an office: offices are not reviewed
    return {
        "code": code, "name": repo.location_name(code), "kind": "school" if school else "office",
        "level": school.level.value if school else None, "enrollment": school.enrollment if school else None,
        "cluster": cluster.name if cluster else None, "cluster_id": cluster.id if cluster else None,
        "review": standing if standing is not None and not standing.never_reviewed else None,
        "review_overdue": standing is not None and standing.overdue, "login_note": data.login_note,
        "findings": data.findings_at.get(code, []),
        "errors": sum(1 for f in data.findings_at.get(code, []) if f.severity is Severity.error),
        "warnings": sum(1 for f in data.findings_at.get(code, []) if f.severity is Severity.warning),
        "grants_file": f"{data.location_dir(code)}/grants.yaml",
        "live_on": live_on(data, code),
    }


def live_on(data: AuditData, code: str) -> dict[str, str]:
    """employee -> when their access here reached the live system (the latest of their grants here), or
    "not yet" when a grant of theirs here has not; empty when no apply run is on record."""
    if not data.live.reached:
        return {}
    found: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    for access in data.by_location.get(code, []):
        if (access.source.code, access.index) in seen:
            continue
        seen.add((access.source.code, access.index))
        commit = data.history.introduced(access.source.file, access.employee)
        when = data.live.when(commit.sha) if commit is not None else None
        before = found.get(access.employee, "")
        found[access.employee] = "not yet" if when is None or before == "not yet" else max(before, when[:10])
    return found


def export_preamble(data: AuditData, header: dict[str, Any]) -> list[tuple[str, str]]:
    review = header["review"]
    return [
        ("Location", f"{header['name']} ({header['code']})"),
        ("Enrollment", str(header["enrollment"]) if header["enrollment"] is not None else NO_VALUE),
        ("Local district", header["cluster"] or NO_VALUE),
        ("Built from commit", data.commit_label),
        ("Built at", data.built_at.isoformat(timespec="seconds")),
        ("Status as of", data.today.isoformat()),
        ("Last access review", review.label if review else "no review on record"),
    ]


def dashboard(data: AuditData, headers: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The dashboard's facts; `headers`: each location's `location_header`, when the caller has them."""
    repo = data.repo
    errors = []
    for code in [*repo.schools, *repo.offices]:
        header = headers[code] if headers is not None and code in headers else location_header(data, code)
        if header["errors"]:
            errors.append(header)
    overdue = [{"code": code, "name": standing.name, "review": None if standing.never_reviewed else standing,
                "due": standing.due_on} for code, standing in data.reviews.items() if standing.overdue]
    leavers = []
    for employee, accesses in sorted(data.by_employee.items()):
        person = repo.staff.get(employee)
        if person is not None and person.hr_status is not HRStatus.separated:
            continue
        leavers.append({
            "employee": employee, "name": person.display_name if person else "(not in the HR directory)",
            "status": person.hr_status.value if person else "unknown",
            "locations": sorted({a.location for a in accesses}),
        })
    horizon = data.today + dt.timedelta(days=repo.policy.expiry_notice_days)
    expiring = []
    for record, _index, grant in repo.iter_grants():
        if grant.expires is not None and data.today <= grant.expires <= horizon:
            person = repo.staff.get(grant.employee)
            expiring.append({
                "location": record.code, "employee": grant.employee,
                "name": person.display_name if person else NO_VALUE,
                "roles": [repo.roles[r].name if r in repo.roles else r for r in grant.roles],
                "expires": grant.expires, "days": (grant.expires - data.today).days,
            })
    expiring.sort(key=lambda e: (e["expires"], e["location"], e["employee"]))
    return {"errors": errors, "overdue": overdue, "leavers": leavers, "expiring": expiring,
            "feed": [feed_item(repo, c) for c in data.history.commits[:FEED_LENGTH]],
            "counts": data.report.counts(), "login_note": data.login_note}


def feed_item(repo: Repository, commit: Commit) -> dict[str, Any]:
    changes = []
    for file, change in sorted(commit.changes.items()):
        code = Path(file).parent.name if file.endswith("grants.yaml") else None
        changes.append({"file": file, "code": code if code in repo.grants or code in repo.schools else None,
                        "kind": "schools" if code in repo.schools else "offices",
                        "added": len(change.get("added", [])), "removed": len(change.get("removed", []))})
    return {"commit": commit, "changes": changes}


PEOPLE_INDEX_VERSION = 2
ACCESS_COLUMNS = ("location", "location_name", "role", "how", "expires", "status", "page", "file", "approved_by",
                  "live_since")


class _Numbered(dict[Any, int]):
    """value -> its number in `in_order`, numbered on first use: the person index names each location, role,
    route, grants file and approval once, and an access by their numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.in_order: list[Any] = []

    def __missing__(self, value: Any) -> int:
        self[value] = number = len(self.in_order)
        self.in_order.append(value)
        return number


def people_index(data: AuditData, href: dict[str, str]) -> dict[str, Any]:
    """Everyone in the directory, and anyone holding access without being in it, with their access.

    An access is [location, role, how, expires, status, file, evidence]: location, role, how, file and
    evidence are numbers into the lists of those names ("locations" holds [code, name, page], "evidence"
    [approved by, live since]). Named in full, a district's index was 65 MB at a thousand schools, of the
    same few hundred names again and again; `expand_access` gives an access with `ACCESS_COLUMNS`."""
    repo = data.repo
    staff, by_employee, role_names, today = repo.staff, data.by_employee, data.role_names, data.today
    locations, roles, hows, files, evidences = _Numbered(), _Numbered(), _Numbered(), _Numbered(), _Numbered()
    location_of = {code: locations[(code, repo.location_name(code), href.get(code, ""))]
                   for code in data.by_location}
    role_of = {role_id: roles[role_names.get(role_id, role_id)] for role_id in {a.role for a in data.accesses}}
    by_place_and_role = attrgetter("location", "role")
    introduced, commit_cells = data.history.introduced, data.commit_cells
    evidence_of: dict[str | None, int] = {}  # commit -> its evidence's number: commits recur
    people = []
    for employee in sorted(set(staff) | set(by_employee)):
        person = staff.get(employee)
        rows = []
        for access in sorted(by_employee.get(employee, ()), key=by_place_and_role):
            grant = access.source.model.grants[access.index]
            expires = grant.expires
            commit = introduced(access.source.file, employee)
            sha = commit.sha if commit else None
            evidence = evidence_of.get(sha)
            if evidence is None:
                _, _, _, approvals, note, live_since = commit_cells(commit)
                evidence = evidence_of[sha] = evidences[
                    ("; ".join(approved_text(a) for a in approvals) if approvals else note, live_since)]
            rows.append([location_of[access.location], role_of[access.role], hows[access.how],
                         expires.isoformat() if expires else "never", status_label(grant.status, expires, today),
                         files[access.source.file], evidence])
        if person is None:
            people.append([employee, NO_VALUE, "(not in the HR directory)", NO_VALUE, NO_VALUE, "unknown", rows])
        else:
            people.append([employee, person.last_name, person.first_name, person.staff_type.value,
                           person.position, person.hr_status.value, rows])
    return {"version": PEOPLE_INDEX_VERSION, "commit": data.commit_label,
            "built_at": data.built_at.isoformat(timespec="seconds"),
            "columns": ["employee", "last_name", "first_name", "staff_type", "position", "hr_status", "access"],
            "access": ["location", "role", "how", "expires", "status", "file", "evidence"],
            "access_columns": list(ACCESS_COLUMNS),
            "locations": [list(place) for place in locations.in_order], "roles": roles.in_order,
            "hows": hows.in_order, "files": files.in_order, "evidence": [list(e) for e in evidences.in_order],
            "people": people}


def expand_access(index: dict[str, Any], access: list[Any]) -> dict[str, Any]:
    """One access of the person index with its names, by `ACCESS_COLUMNS` (as the person lookup shows it)."""
    location, role, how, expires, status, file, evidence = access
    code, name, page = index["locations"][location]
    approved_by, live_since = index["evidence"][evidence]
    return dict(zip(ACCESS_COLUMNS, (code, name, index["roles"][role], index["hows"][how], expires, status, page,
                                     index["files"][file], approved_by, live_since), strict=True))
