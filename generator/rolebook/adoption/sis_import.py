"""`rolebook import`: today's access, from the SIS's Security Audit Reports and the HR export.

The reports say who holds which role where; the HR export says who everyone is. The import makes the
grants files say the same as the reports at every location the reports cover (locations they do not
cover are left alone), and the staff directory what HR says. Everything is computed first and checked
by loading the result; only then is anything written, as files or as one commit on a branch, so a
re-import after the SIS changed is a pull request showing exactly what changed.

What the import does not do is judge: leavers who still have access, roles over quota and generic
accounts are imported as the SIS has them, and `rolebook validate` reports them. That is the first audit.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.adoption import AdoptionError
from rolebook.adoption.init import GRACE_MARK
from rolebook.adoption.role_map import load_role_map
from rolebook.adoption.sis_report import ReportRead, ReportRow, read_report
from rolebook.adoption.staff_merge import merge_staff
from rolebook.facts.ownership import generate_codeowners
from rolebook.hr.logins import normalise
from rolebook.hr.mapping import load_mapping
from rolebook.hr.sync import read_hr_export
from rolebook.infra import csvio
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import BranchError, BranchResult, commit_to_branch
from rolebook.infra.yamledit import GrantsDocument
from rolebook.loading import LoadFailed, Repository, load_repository
from rolebook.loading.records import LoginRecord
from rolebook.paths import (
    CODEOWNERS_PATH,
    DATA_DIRS,
    LOGINS_FILE,
    OFFICES_FOLDER,
    POLICY_FILE,
    SCHOOLS_FOLDER,
    STAFF_FILE,
    grants_file_path,
)

DIRECT = "direct"


@dataclass
class ImportInput:
    reports: list[Path]
    hr_export: Path | None = None
    role_map: Path | None = None
    hr_mapping: Path | None = None


@dataclass
class ImportPlan:
    files: dict[str, str] = field(default_factory=dict)  # repository-relative path -> new text (changed only)
    skipped: list[str] = field(default_factory=list)  # rows left out, "file:line: why"
    rows: int = 0
    inactive: int = 0
    locations: list[str] = field(default_factory=list)
    grants_added: int = 0
    grants_changed: int = 0
    grants_removed: int = 0
    staff_added: int = 0
    staff_updated: int = 0
    without_hr_record: list[str] = field(default_factory=list)
    grace_ended: bool = False

    def summary(self) -> list[str]:
        lines = [f"Read {self.rows} row(s) for {len(self.locations)} location(s): {self.grants_added} grant(s) "
                 f"added, {self.grants_changed} changed, {self.grants_removed} removed; staff directory: "
                 f"{self.staff_added} added, {self.staff_updated} updated."]
        if self.inactive:
            lines.append(f"{self.inactive} Inactive row(s) (expired in the SIS) were not imported: remove "
                         "those user roles in the SIS, as the Security Audit Report instructions advise.")
        if self.without_hr_record:
            shown = ", ".join(self.without_hr_record[:10]) + (" ..." if len(self.without_hr_record) > 10 else "")
            lines.append(f"{len(self.without_hr_record)} account(s) with access have no record in the staff "
                         f"directory: {shown} (rule RB101 reports them).")
        if self.grace_ended:
            lines.append(f"{POLICY_FILE}: RB304 and RB305 are errors again now that schools have grants.")
        return lines


def _expiry(repo: Repository, roles: list[str], today: dt.date) -> dt.date:
    days = [repo.policy.max_grant_days.get(repo.roles[r].security_level, 365) for r in roles if r in repo.roles]
    return today + dt.timedelta(days=min(days) if days else 365)


def _folder(repo: Repository, code: str) -> str | None:
    if code in repo.schools:
        return SCHOOLS_FOLDER
    if code in repo.offices:
        return OFFICES_FOLDER
    return None


def plan_import(root: Path, repo: Repository, given: ImportInput, today: dt.date) -> ImportPlan:
    """Every file the import changes, checked by loading the result; raises AdoptionError when it cannot."""
    plan = ImportPlan()
    read = ReportRead()
    for report in given.reports:
        read_report(report, read)
    plan.skipped = read.problems
    role_map = load_role_map(repo, given.role_map)
    wanted: dict[str, dict[str, list[str]]] = defaultdict(dict)
    logins: list[LoginRecord] = []
    for row in read.rows:
        if _folder(repo, row.location) is None:
            plan.skipped.append(f"{row.where}: location {row.location} is not in access/district.yaml (add the "
                                "school to the district, or run `rolebook init` with it in the schools CSV)")
            continue
        plan.rows += 1
        if not row.active:
            plan.inactive += 1
            continue
        roles = wanted[row.location].setdefault(row.employee, [])
        for name in row.roles:
            role_id = role_map.role_of(name, row.where)
            if role_id is not None and role_id not in roles:
                roles.append(role_id)
                logins.append(LoginRecord(row.employee, row.location, role_id, row.last_login))
    if role_map.unmapped:
        raise AdoptionError(role_map.unmapped_report(given.role_map))
    plan.locations = sorted(wanted)
    staff_text = (root / STAFF_FILE).read_text(encoding="utf-8")
    if given.hr_export is not None:
        new_staff = _staff(root, staff_text, given, plan)
        if new_staff != staff_text:
            plan.files[STAFF_FILE] = new_staff
    first_import = not any(True for _ in repo.iter_grants())
    names = _names(read.rows)
    for code, people in sorted(wanted.items()):
        _location(root, repo, code, {e: r for e, r in people.items() if r}, names, plan, today)
    if logins:
        plan.files[LOGINS_FILE] = _logins(repo, logins, set(wanted))
    if first_import:
        policy = _end_grace((root / POLICY_FILE).read_text(encoding="utf-8"))
        if policy is not None:
            plan.files[POLICY_FILE] = policy
            plan.grace_ended = True
    _check_and_own(root, plan, today)
    return plan


def _names(rows: list[ReportRow]) -> dict[str, str]:
    return {row.employee: f"{row.first_name} {row.last_name}".strip() for row in rows}


def _staff(root: Path, staff_text: str, given: ImportInput, plan: ImportPlan) -> str:
    assert given.hr_export is not None
    try:
        mapping = load_mapping(root, given.hr_mapping)
        records = read_hr_export(given.hr_export, mapping, display=given.hr_export.as_posix())
    except csvio.CsvRejected as rejected:
        raise AdoptionError(csvio.report(rejected)) from None
    except LoadFailed as failed:
        raise AdoptionError("\n".join(e.format() for e in failed.errors)) from None
    text, plan.staff_added, plan.staff_updated = merge_staff(
        staff_text, records, f"HR export {given.hr_export.name}, imported by `rolebook import`")
    return text


def _location(root: Path, repo: Repository, code: str, people: dict[str, list[str]], names: dict[str, str],
              plan: ImportPlan, today: dt.date) -> None:
    folder = _folder(repo, code)
    assert folder is not None
    relative = grants_file_path(folder, code)
    doc = GrantsDocument(root / relative, relative, location=code)
    if not doc.grants:  # `grants: []` gives no indentation to follow: write the demo's, dashes at two spaces
        doc.yaml.indent(mapping=2, sequence=4, offset=2)
    existing: dict[str, list[str]] = {}
    for grant in doc.grants:
        if isinstance(grant, dict) and grant.get("scope", "location") == "location":
            existing.setdefault(str(grant.get("employee")), []).extend(str(r) for r in grant.get("roles") or [])
    acknowledgement = (f"Re-import of the SIS's Security Audit Report on {today.isoformat()}: the SIS no longer "
                       "lists these user roles")
    share = repo.policy.max_removal_share
    for employee, held in existing.items():
        if employee not in people:
            doc.edit(employee, remove=None, via=DIRECT, acknowledge_share=share, acknowledgement=acknowledgement)
            plan.grants_removed += 1
            continue
        remove = [r for r in held if r not in people[employee]]
        add = [r for r in people[employee] if r not in held]
        if remove or add:
            doc.edit(employee, remove=remove, add=add, via=DIRECT, acknowledge_share=share,
                     acknowledgement=acknowledgement)
            plan.grants_changed += 1
    for employee, roles in people.items():
        if employee in existing:
            continue
        # Fresh date objects: ruamel writes one object met twice as an anchor and an alias.
        granted = dt.date.fromordinal(today.toordinal())
        doc.append_grant(employee, roles, granted, _expiry(repo, roles, today),
                         f"Imported from the SIS's Security Audit Report on {today.isoformat()}", None)
        name = names.get(employee) or ""
        if name:
            doc.grants[-1].yaml_add_eol_comment(name, "employee")
        plan.grants_added += 1
    if doc.changed:
        plan.files[relative] = doc.text()


def _logins(repo: Repository, records: list[LoginRecord], covered: set[str]) -> str:
    kept = [r for r in repo.logins.records if r.location not in covered]
    return normalise([*kept, *records])


def _end_grace(text: str) -> str | None:
    """The policy without init's grace block (RB304, RB305 as warnings), when it is still as init wrote it."""
    pattern = re.compile(rf"(?ms)^{re.escape(GRACE_MARK)}.*?^rules:\n(?:  RB30[45]: \{{severity: warning\}}\n)+")
    replaced, count = pattern.subn("rules: {}\n", text)
    return replaced if count == 1 else None


def _check_and_own(root: Path, plan: ImportPlan, today: dt.date) -> None:
    """Load the repository as the import leaves it (so nothing unloadable is ever written), and regenerate
    CODEOWNERS from it: the imported principals own their schools' folders."""
    with tempfile.TemporaryDirectory(prefix="rolebook-import-") as folder:
        staged = Path(folder)
        for data_dir in DATA_DIRS:
            shutil.copytree(root / data_dir, staged / data_dir)
        for relative, text in plan.files.items():
            path = staged / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            repo = load_repository(staged)
        except LoadFailed as failed:
            raise AdoptionError("the imported data does not load; nothing was written:\n"
                                + "\n".join(e.format() for e in failed.errors)) from None
        codeowners = generate_codeowners(repo, today)
        plan.without_hr_record = sorted({grant.employee for _, _, grant in repo.iter_grants()} - set(repo.staff))
    current = root / CODEOWNERS_PATH
    if not current.is_file() or current.read_text(encoding="utf-8") != codeowners:
        plan.files[CODEOWNERS_PATH] = codeowners


def write_import(root: Path, plan: ImportPlan, *, branch: str | None, today: dt.date) -> BranchResult | None:
    """Write the planned files in place (`branch` None), or commit them on `branch` beside the working tree."""
    if branch is None:
        for relative, text in plan.files.items():
            write_atomic(root / relative, text)
        return None
    message = (f"Import today's access from the SIS ({today.isoformat()})\n\n" + "\n".join(plan.summary()) + "\n")
    try:
        return commit_to_branch(root, branch, plan.files, message)
    except BranchError as exc:
        raise AdoptionError(str(exc)) from None
