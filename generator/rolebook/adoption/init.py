"""`rolebook init`: a new district's repository, from its schools CSV and a few answers.

Everything is written into a temporary folder beside the target, loaded there as Rolebook loads any
repository (so CODEOWNERS is generated from the real data), and only then moved into place: a bad
row in the schools CSV, or any other problem, leaves the target as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.adoption import AdoptionError, template
from rolebook.adoption.readme import district_readme
from rolebook.adoption.request_form import FORM, issue_form
from rolebook.adoption.schools import SchoolRow, cluster_id, read_schools
from rolebook.facts.ownership import generate_codeowners
from rolebook.loading import LoadFailed, load_repository
from rolebook.paths import (
    CATEGORIES_FILE,
    CODEOWNERS_PATH,
    DISTRICT_FILE,
    GROUPS_FILE,
    OFFICES_FOLDER,
    POLICY_FILE,
    SCHOOLS_FOLDER,
    STAFF_FILE,
    grants_file_path,
)

CATALOGS = ("demo", "none")
ADMINISTRATORS_GROUP = "access-administrators"
MINIMUM_ADMINISTRATORS = 3  # the policy's default: a super user and two deputies (002)
GRACE_RULES = ("RB304", "RB305")
GRACE_MARK = "# rolebook init: until the first import"
EMPTY_CATEGORIES = """\
# yaml-language-server: $schema=../generator/schema/categories.schema.json
# The groupings of the district's role guide. Add roles as roles/<id>.yaml, each naming one of these.
categories:
  - id: all-schools
    name: All Schools
    group: schools
    description: Roles granted to staff at any school.
  - id: district-offices
    name: District Offices
    group: district-offices
    description: Roles granted to district office staff.
"""


@dataclass(frozen=True)
class Administrator:
    employee: str
    login: str
    first_name: str
    last_name: str


@dataclass
class InitAnswers:
    district_name: str
    schools_csv: Path
    administrators: list[Administrator]
    identity_provider: str
    catalog: str = "demo"
    github_repo: str | None = None  # owner/name, for the request form's link and repo_url
    office_code: str = "DO"
    office_name: str = "District Office"
    install: str | None = None  # the workflows' pip requirement; None: "." in a template copy, else "rolebook"


@dataclass
class InitResult:
    target: Path
    files: list[str] = field(default_factory=list)
    schools: int = 0
    clusters: int = 0
    roles: int = 0


def parse_administrator(text: str) -> Administrator:
    """EMPLOYEE:LOGIN:First Last, e.g. '00123456:ada-lovelace:Ada Lovelace'."""
    parts = [part.strip() for part in text.split(":", 2)]
    if len(parts) != 3 or not all(parts):
        raise AdoptionError(f"administrator '{text}': write EMPLOYEE:LOGIN:NAME, e.g. "
                            "'00123456:ada-lovelace:Ada Lovelace'")
    employee, login, name = parts
    if not re.fullmatch(r"[0-9]{8}", employee):
        raise AdoptionError(f"administrator '{text}': '{employee}' is not an 8-digit employee number "
                            "(keep any leading zeros)")
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", login):
        raise AdoptionError(f"administrator '{text}': '{login}' is not a GitHub username")
    first, _, last = name.rpartition(" ")
    return Administrator(employee, login, first or name, last if first else name)


def check_answers(answers: InitAnswers) -> None:
    if not answers.district_name.strip():
        raise AdoptionError("the district's name is empty: give --district-name")
    if answers.catalog not in CATALOGS:
        raise AdoptionError(f"unknown catalog '{answers.catalog}': use one of {', '.join(CATALOGS)}")
    numbers = [a.employee for a in answers.administrators]
    if len(set(numbers)) < MINIMUM_ADMINISTRATORS:
        raise AdoptionError(f"{len(set(numbers))} access administrator(s) given: the policy asks for at least "
                            f"{MINIMUM_ADMINISTRATORS} (a super user and two deputies, rule RB306); "
                            "repeat --admin EMPLOYEE:LOGIN:NAME")
    if answers.github_repo is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", answers.github_repo):
        raise AdoptionError(f"--github-repo '{answers.github_repo}': write it as OWNER/NAME")


def init_repository(target: Path, answers: InitAnswers, *, force: bool, today: dt.date) -> InitResult:
    """Write the new repository into `target`; nothing is written when anything is wrong."""
    check_answers(answers)
    target = target.resolve()  # "." has no parent to stage beside: the real path has
    _check_target(target, force)
    schools = read_schools(answers.schools_csv)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rolebook-init-", dir=target.parent))
    try:
        files = _data_files(answers, schools)
        _write(staging, files)
        try:
            repo = load_repository(staging)
        except LoadFailed as failed:  # the files written here are wrong: a bug, shown as data problems
            raise AdoptionError("the new repository does not load:\n"
                                + "\n".join(e.format() for e in failed.errors)) from None
        locations = [(s.code, s.name) for s in repo.schools.values()]
        locations += [(o.code, o.name) for o in repo.offices.values()]
        extra = {
            **template.workflow_files(_install(target, answers)),
            FORM: issue_form([role.name for role in repo.roles.values()], locations),
            CODEOWNERS_PATH: generate_codeowners(repo, today),
            "mkdocs.yml": mkdocs_config(answers),
            "README.md": district_readme(answers.district_name, answers.identity_provider,
                                         request_form_url(answers.github_repo)),
            **template.site_pages(),
        }
        if not (target / ".gitignore").exists():
            extra[".gitignore"] = "build/\n.rolebook-cache/\n__pycache__/\n.venv/\n"
        if not (target / "generator" / "schema").is_dir():
            extra.update(template.schema_files())
        _write(staging, extra)
        written = sorted([*files, *extra])
        _move_into_place(staging, target, written)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return InitResult(target, written, len(repo.schools), len(repo.clusters), len(repo.roles))


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise AdoptionError(f"{target} is a file: give a folder for the new repository")
    if target.is_dir() and any(p.name != ".git" for p in target.iterdir()) and not force:
        raise AdoptionError(f"{target} is not empty: give an empty or new folder, or --force to replace its "
                            "roles/, access/, workflows, issue form, CODEOWNERS, mkdocs.yml and README.md")


def _install(target: Path, answers: InitAnswers) -> str:
    if answers.install is not None:
        return answers.install
    return "." if (target / "generator" / "rolebook" / "__init__.py").is_file() else "rolebook"


def request_form_url(github_repo: str | None) -> str:
    return f"https://github.com/{github_repo}/issues/new?template=access-request.yml" if github_repo else ""


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def mkdocs_config(answers: InitAnswers) -> str:
    text = template.read("mkdocs.yml")
    text = re.sub(r"(?m)^site_name:.*$", lambda _: f"site_name: {_quoted(answers.district_name)}", text, count=1)
    description = f"Staff access to student records at {answers.district_name}: the role guide."
    text = re.sub(r"(?m)^site_description:.*$", lambda _: f"site_description: {_quoted(description)}", text,
                  count=1)
    text = re.sub(r"(?m)^(\s*)request_form_url:.*$",
                  lambda m: f"{m.group(1)}request_form_url: {_quoted(request_form_url(answers.github_repo))}",
                  text, count=1)
    if answers.github_repo:
        repo_url = _quoted(f"https://github.com/{answers.github_repo}")
        text = re.sub(r"(?m)^(site_description:.*)$", lambda m: f"{m.group(1)}\nrepo_url: {repo_url}", text,
                      count=1)
    return text


def _data_files(answers: InitAnswers, schools: list[SchoolRow]) -> dict[str, str]:
    files = template.demo_role_files() if answers.catalog == "demo" else {CATEGORIES_FILE: EMPTY_CATEGORIES}
    files[POLICY_FILE] = _policy()
    clusters = list(dict.fromkeys(row.cluster_name for row in schools))
    files[DISTRICT_FILE] = _district(answers, schools, clusters)
    files[GROUPS_FILE] = _groups(answers, clusters, sped=answers.catalog == "demo")
    files[STAFF_FILE] = _staff(answers)
    for row in schools:
        files[grants_file_path(SCHOOLS_FOLDER, row.code)] = _empty_grants(row.code, row.name)
    files[grants_file_path(OFFICES_FOLDER, answers.office_code)] = _empty_grants(answers.office_code,
                                                                                answers.office_name)
    return files


def _policy() -> str:
    text = template.read(POLICY_FILE)
    grace = (f"{GRACE_MARK}: no school has grants yet, so no school has an approver (RB304) or a reader\n"
             "# of its Security Audit Report (RB305). They warn until `rolebook import` brings today's access,\n"
             "# which makes them errors again.\n"
             "rules:\n" + "".join(f"  {code}: {{severity: warning}}\n" for code in GRACE_RULES))
    replaced, count = re.subn(r"(?m)^rules: \{\}\n?", lambda _: grace, text)
    if count != 1:
        raise AdoptionError(f"{POLICY_FILE} of the template has no 'rules: {{}}' line to start from")
    return replaced


def _district(answers: InitAnswers, schools: list[SchoolRow], clusters: list[str]) -> str:
    lines = ["# yaml-language-server: $schema=../generator/schema/district.schema.json",
             f"# {answers.district_name}: written by `rolebook init` from {answers.schools_csv.name}.",
             "organisation:", f"  name: {_quoted(answers.district_name)}", "  types: [school-district]",
             "clusters:"]
    for name in clusters:
        cid = cluster_id(name)
        lines += [f"  - id: {cid}", f"    name: {_quoted(name)}", f"    approvers: {cid}-admins"]
    lines.append("schools:")
    for row in schools:
        lines += [f"  - code: {_quoted(row.code)}", f"    name: {_quoted(row.name)}", f"    level: {row.level}",
                  f"    enrollment: {row.enrollment}", f"    cluster: {cluster_id(row.cluster_name)}"]
    lines += ["offices:", f"  - code: {_quoted(answers.office_code)}", f"    name: {_quoted(answers.office_name)}",
              f"    approvers: {ADMINISTRATORS_GROUP}"]
    return "\n".join(lines) + "\n"


def _groups(answers: InitAnswers, clusters: list[str], *, sped: bool) -> str:
    lines = ["# yaml-language-server: $schema=../generator/schema/groups.schema.json",
             "# Reviewer groups: who approves what. Every member needs a Git username in staff.yaml.",
             "groups:", f"  - id: {ADMINISTRATORS_GROUP}", "    name: Access Administrators",
             "    description: \"Super user and deputies: maintain the role catalog and this repository, and "
             "approve office staff access.\"", "    members:"]
    lines += [f"      - {_quoted(a.employee)}  # {a.first_name} {a.last_name}"
              for a in dict((a.employee, a) for a in answers.administrators).values()]
    if sped:
        lines += ["  - id: sped-operations", "    name: SPED Operations",
                  "    description: Approve every role that needs SPED Operations' approval.", "    members: []"]
    for name in clusters:
        lines += [f"  - id: {cluster_id(name)}-admins", f"    name: {_quoted(name + ' administrators')}",
                  f"    description: {_quoted('Approve access for the principals and office staff of ' + name + '.')}",
                  "    members: []"]
    return "\n".join(lines) + "\n"


def _staff(answers: InitAnswers) -> str:
    lines = ["# yaml-language-server: $schema=../generator/schema/staff.schema.json",
             "# The staff directory. `rolebook import --hr-export FILE` fills it from the HR export.",
             f"source: {_quoted('rolebook init: the access administrators')}", "staff:"]
    for admin in dict((a.employee, a) for a in answers.administrators).values():
        lines += [f"  - employee: {_quoted(admin.employee)}", f"    last_name: {_quoted(admin.last_name)}",
                  f"    first_name: {_quoted(admin.first_name)}", "    staff_type: classified",
                  "    position: Access Administrator", "    hr_status: processed",
                  f"    locations: [{_quoted(answers.office_code)}]", f"    git_username: {admin.login}"]
    return "\n".join(lines) + "\n"


def _empty_grants(code: str, name: str) -> str:
    return ("# yaml-language-server: $schema=../../../generator/schema/grants.schema.json\n"
            f"# {name} ({code}).\n"
            f"location: {_quoted(code)}\ngrants: []\n")


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _move_into_place(staging: Path, target: Path, written: list[str]) -> None:
    """roles/ and access/ are replaced whole (a template copy's demo data goes); other files one by one."""
    target.mkdir(parents=True, exist_ok=True)
    trash = Path(tempfile.mkdtemp(prefix=".rolebook-old-", dir=target.parent))
    try:
        for folder in ("roles", "access"):
            if (target / folder).exists():
                (target / folder).rename(trash / folder)
            (staging / folder).rename(target / folder)
        for relative in written:
            if relative.split("/", 1)[0] in ("roles", "access"):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).replace(destination)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
