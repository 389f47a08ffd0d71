"""A partial load for pull-request mode: only what a change to some schools' grants files can touch.

A one-grant pull request in a district of 1,000 schools changes one grants file. Both sides of it load
roles/, the policy, the district, the groups, every office's grants file (offices reach schools through
cluster and all-schools grants), the grants files of the given schools, and of the staff directory only
the records of the people those files and the groups name (plus their sponsors). A file whose content is
the same on both sides is parsed once and its models are shared.

Files are named by a content key: a Git blob id, or `worktree:<path>` for a file of the working tree
that differs from every commit. `ContentStore` reads a key from the working tree when a file there is
known to hold that content, else from Git (one `git cat-file --batch` for all of them).

Anything unusual (a file that does not load, a staff directory laid out in a way the record scanner does
not read) makes `PartialSession.load` answer None: the caller then loads everything, as before, and
reports problems the usual way. `Repository.loaded_locations` says which schools were read.

Each record claiming the Git username of a record read must be read too (a login two records claim is
nobody's: who approves depends on it), else the load gives up; .github/CODEOWNERS, when the listing
holds it, is read as the full load reads it (`Repository.codeowners`).

The cross-file checks are the full load's own (`rolebook.loading.checks`): where one finds a problem,
this load gives up. The review files of the given schools and the stored login file are read from the
revision's content, not the working tree, and their problems kept for the rules, as a full load keeps them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import yaml_rs
from pydantic import BaseModel, ValidationError

from rolebook.infra.git import read_blobs
from rolebook.infra.result_cache import Artifacts, loader_stamp
from rolebook.loading import checks
from rolebook.loading.errors import LoadError
from rolebook.loading.loaded import Codeowners, GrantsRecord, Repository
from rolebook.loading.records import RevisionRecords, collect_reviews, review_school
from rolebook.loading.yamlfile import ParsedFile, _suspect, parse_bytes
from rolebook.model.files import (
    CategoriesFile,
    DistrictFile,
    GrantsFile,
    GroupsFile,
    LocationKind,
    Policy,
    Role,
    StaffFile,
    StaffMember,
)
from rolebook.paths import (
    CATEGORIES_FILE,
    CODEOWNERS_PATH,
    DISTRICT_FILE,
    GROUPS_FILE,
    LOGINS_FILE,
    POLICY_FILE,
    ROLES_DIR,
    STAFF_FILE,
)
from rolebook.paths import GRANTS_FILE as _GRANTS

M = TypeVar("M", bound=BaseModel)
WORKTREE = "worktree:"


class _Unusable(Exception):
    """The partial load cannot answer exactly: load everything instead."""


def _give_up_on(errors: list[LoadError]) -> None:
    """A shared check found a problem: the full load that follows reports it, at its line."""
    if errors:
        raise _Unusable(errors[0].format())


class ContentStore:
    """File contents by content key, read once."""

    def __init__(self, root: Path):
        self.root = root
        # key -> a working-tree file (relative to root) with exactly that content; a Path is made only
        # for the few files read, not for every file of the listing
        self.local: dict[str, str] = {}
        self.contents: dict[str, bytes] = {}

    def prefetch(self, keys: list[str]) -> None:
        """Read from Git, in one process, every blob among `keys` that no working-tree file holds."""
        missing = [k for k in keys if k not in self.contents and k not in self.local and not k.startswith(WORKTREE)]
        self.contents.update(read_blobs(self.root, missing))

    def adopt_worktree(self, files: dict[str, str]) -> None:
        """Take from the working tree each of `files` ({path: blob id}) whose content there is that very
        blob, as Git hashes it: reading and hashing the 14 MB staff file costs less than inflating it
        from Git's pack, and the bytes are the same. Any other file is left to `prefetch`."""
        for path, key in files.items():
            if key in self.contents or key in self.local or key.startswith(WORKTREE):
                continue
            try:
                data = (self.root / path).read_bytes()
            except OSError:
                continue
            if _blob_id(data, len(key)) == key:
                self.contents[key] = data

    def worktree_path(self, key: str) -> Path | None:
        """A working-tree file known to hold exactly the content `key`, if there is one."""
        if key.startswith(WORKTREE):
            return self.root / key.removeprefix(WORKTREE)
        return self.root / self.local[key] if key in self.local else None

    def read(self, key: str) -> bytes:
        if key not in self.contents:
            if key.startswith(WORKTREE):
                self.contents[key] = (self.root / key.removeprefix(WORKTREE)).read_bytes()
            elif key in self.local:
                self.contents[key] = (self.root / self.local[key]).read_bytes()
            else:
                self.prefetch([key])
                if key not in self.contents:
                    raise _Unusable(f"blob {key} is missing")
        return self.contents[key]


def _blob_id(data: bytes, length: int) -> str:
    """Git's object id of a blob holding `data` (SHA-1, or SHA-256 for 64-digit ids)."""
    digest = hashlib.sha256() if length == 64 else hashlib.sha1()  # noqa: S324 - Git's object names
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


# ---------------------------------------------------------------------- the staff directory
_LOGIN_VALUE = re.compile(r"git_username:[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[^\s,}#\"']+)[ \t]*(?=[\n,}#]|$)")
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")
_STAFF_KEY = re.compile(r"^staff:[ \t]*(?:#.*)?$", re.MULTILINE)


@dataclass
class StaffScan:
    """Where each record of a staff file starts, found by a text scan, and the records parsed so far.

    Only the usual layout is read: `staff:` at the top level, one block-mapping record per `- ` item,
    each with an `employee:` line at the record's own indentation. Anything else raises _Unusable.
    """

    text: str
    starts: list[int] | None  # offset of each item's line; None: found when needed (`_spans`)
    block_end: int
    by_employee: dict[str, int]  # employee number -> item index
    item: str = ""  # "\n" + the records' indentation + "- "
    members: dict[str, StaffMember | None] = field(default_factory=dict)
    claims: dict[str, int] | None = None  # lowercase Git username -> records claiming it (`login_claims`)
    unreadable_logins: bool = False  # `login_claims` found a git_username it does not read

    def to_parts(self) -> list[bytes]:
        """What `from_parts` needs to give this scan back without scanning: the records' numbers in file
        order, where each starts (when the general scan found them), and the login claims."""
        self.claims_or_none()
        body = ["\n".join(self.by_employee).encode(), " ".join(map(str, self.starts or ())).encode(),
                json.dumps(self.claims).encode()]
        header = {"length": len(self.text), "block_end": self.block_end, "item": self.item,
                  "starts": self.starts is not None, "unreadable_logins": self.unreadable_logins,
                  "check": _parts_check(body)}
        return [json.dumps(header).encode(), *body]

    @classmethod
    def from_parts(cls, text: str, parts: list[bytes]) -> StaffScan | None:
        """The scan `to_parts` kept, for `text` (the same content), or None if the parts do not hold one."""
        try:
            head, numbers, starts_part, claims_part = parts
            header = json.loads(head)
            if header["check"] != _parts_check(parts[1:]):
                return None  # damaged since it was written
            claims = json.loads(claims_part)
            employees = numbers.decode().split("\n") if numbers else []
            starts = [int(n) for n in starts_part.split()] if header["starts"] else None
            by_employee = dict(zip(employees, range(len(employees)), strict=True))
            fits = (header["length"] == len(text) and isinstance(header["block_end"], int)
                    and isinstance(header["item"], str) and len(by_employee) == len(employees)
                    and (starts is None or len(starts) == len(employees))
                    and (claims is None) == bool(header["unreadable_logins"])
                    and (claims is None or all(isinstance(n, int) for n in claims.values())))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not fits:
            return None
        return cls(text, starts, header["block_end"], by_employee, header["item"], claims=claims,
                   unreadable_logins=bool(header["unreadable_logins"]))

    def claims_or_none(self) -> dict[str, int] | None:
        """`login_claims`, or None where it gives up."""
        try:
            return self.login_claims()
        except _Unusable:
            return None

    @classmethod
    def scan(cls, text: str) -> StaffScan:
        if "\t" in text or "\r" in text:
            raise _Unusable("tabs or carriage returns in the staff file")
        key = _STAFF_KEY.search(text)
        if key is None:
            raise _Unusable("no staff: key")
        first = re.compile(r"^( *)- ", re.MULTILINE).search(text, key.end())
        if first is None:
            raise _Unusable("no staff records")
        indent = len(first.group(1))
        if indent == 0:
            raise _Unusable("an indentless staff list")
        between = text[key.end():first.start()]
        if any(line.strip() and not line.lstrip().startswith("#") for line in between.split("\n")):
            raise _Unusable("unexpected content after staff:")
        return cls._plain(text, first.start(), indent) or cls._general(text, first.start(), indent)

    @classmethod
    def _plain(cls, text: str, first: int, indent: int) -> StaffScan | None:
        """The layout every writer of the file produces, proved in a few passes that run in C, or None.

        The records run to the end of the file, and every line from the first record on is either a
        record's first line, exactly `- employee: "N"`, or indented deeper than the record's keys
        (nothing blank, no comment, nothing less indented). Counting the lines of each kind proves it
        without looking at 75,000 records one by one in Python; where each wanted record starts is then
        found when it is needed (`_spans`).
        """
        item = "\n" + " " * indent + "- "
        end = len(text) - 1  # the newline that ends the last line starts no line
        leading = re.compile(re.escape(item) + r'employee: "([0-9]+)"\n').findall(text, first - 1)
        # Each match starts at its own line (matches cannot overlap), and a deeper line is no match.
        deeper = "\n" + " " * (indent + 2)
        if len(leading) + text.count(deeper, first - 1, end) != text.count("\n", first - 1, end):
            return None
        if deeper + "employee:" in text:  # a second employee number in a record: the general scan refuses it
            return None
        return cls(text, None, len(text), _numbered(text, leading), item)

    @classmethod
    def _general(cls, text: str, first_start: int, indent: int) -> StaffScan:
        """Any layout the scan reads: blank lines, comments, `employee:` further down a record..."""
        # Patterns that start with a literal (no MULTILINE): the regex engine skips ahead fast.
        following = re.compile(r"\n[^ \n#]").search(text, first_start)
        block_end = following.start() + 1 if following is not None else len(text)
        shallower = re.compile(r"\n {1,%s}[^ \n#]" % (indent - 1)) if indent > 1 else None
        if shallower is not None and shallower.search(text, first_start, block_end):
            raise _Unusable("a staff line less indented than the records")
        item = "\n" + " " * indent + "- "
        starts = [m.start() + 1 for m in re.compile(re.escape(item)).finditer(text, first_start - 1, block_end)]
        if not starts or starts[0] != first_start:
            raise _Unusable("the first staff record is not where the scan expects it")
        tail = r"employee:[ \t]*(?:\"([0-9]+)\"|'([0-9]+)')[ \t]*(?:#[^\n]*)?(?=\n|$)"
        # The usual layout, every record opening with its `- employee: "N"` line, is read in one pass:
        # matches start only at record starts and cannot overlap, so as many matches as records means
        # one per record, in the same order.
        leading = re.compile(re.escape(item) + r'employee: "([0-9]+)"\n').findall(text, first_start - 1, block_end)
        if len(leading) == len(starts):
            return cls(text, starts, block_end, _numbered(text, leading))
        found = []
        flow_tail = r"employee:[ \t]*(?:\"([0-9]+)\"|'([0-9]+)')[ \t]*[,}]"
        # `- employee:`, `employee:` further down the record, or a one-line record `- {employee: ...}`
        for prefix, end in ((item, tail), ("\n" + " " * (indent + 2), tail), (item + "{", flow_tail)):
            pattern = re.compile(re.escape(prefix) + end)
            found += [(m.start() + 1, m.group(1) or m.group(2)) for m in pattern.finditer(text, first_start - 1,
                                                                                          block_end)]
        found.sort()
        count = len(starts)
        for number, (position, _code) in enumerate(found):
            if not (number < count and starts[number] <= position
                    and (number + 1 == count or position < starts[number + 1])):
                raise _Unusable("a record without exactly one employee line")
        if len(found) != count:
            raise _Unusable("a staff record without an employee line the scanner reads")
        return cls(text, starts, block_end, _numbered(text, [code for _, code in found]))

    def load(self, employees: set[str]) -> None:
        """Parse and validate the records of `employees` not read yet (one YAML parse for all of them)."""
        wanted = [e for e in employees if e not in self.members]
        items = sorted((self.by_employee[e], e) for e in wanted if e in self.by_employee)  # in file order
        for e in wanted:
            self.members.setdefault(e, None)  # not in the directory: same as a full load
        if not items:
            return
        pieces = [self.text[start:end].rstrip("\n") + "\n" for start, end in self._spans(items)]
        text = "staff:\n" + "".join(pieces)
        if _suspect(text.encode("utf-8")):
            raise _Unusable("a staff record may hold a tag, an anchor or a YAML 1.1 boolean")
        try:
            data = yaml_rs.loads(text, parse_datetime=False)  # dates as text, as yamlfile reads them
        except (yaml_rs.YAMLDecodeError, RecursionError, ValueError, TypeError) as exc:
            raise _Unusable(f"staff records do not parse alone: {exc}") from exc
        records = data.get("staff") if isinstance(data, dict) else None
        if not isinstance(records, list) or len(records) != len(items):
            raise _Unusable("staff records do not parse alone")
        try:  # one call validates them all (StaffFile.staff is list[StaffMember]): no Python call per record
            members = StaffFile.model_validate({"staff": records}).staff
        except ValidationError as exc:
            raise _Unusable("a staff record is invalid") from exc
        for (_, employee), member in zip(items, members, strict=True):
            if member.employee != employee:
                raise _Unusable("staff record scan mismatch")
            self.members[employee] = member

    def login_claims(self) -> dict[str, int]:
        """{lowercase Git username: how many records of the whole file claim it}, read from the text.

        A login two records claim is nobody's (`facts.approvers.shared_logins`): a partial load must know
        it for the people it reads without reading everyone. Every `git_username` in the text must be a
        key followed by a plain or quoted username (the only values the model accepts), else _Unusable:
        a count the text cannot give exactly is not given.
        """
        if self.unreadable_logins:
            raise _Unusable("a git_username the scan does not read")
        if self.claims is None:
            values = _LOGIN_VALUE.findall(self.text)
            if len(values) != self.text.count("git_username"):
                self.unreadable_logins = True
                raise _Unusable("a git_username the scan does not read")
            claims: dict[str, int] = {}
            for value in values:
                login = value.strip("\"'").lower()
                if not _LOGIN.match(login):
                    self.unreadable_logins = True
                    raise _Unusable("a git_username the scan does not read")
                claims[login] = claims.get(login, 0) + 1
            self.claims = claims
        return self.claims

    def _spans(self, items: list[tuple[int, str]]) -> list[tuple[int, int]]:
        """(start, end) in the text of each record of `items` ((item index, employee), in file order)."""
        if self.starts is not None:
            starts, count = self.starts, len(self.starts)
            return [(starts[item], starts[item + 1] if item + 1 < count else self.block_end) for item, _ in items]
        spans = []
        position = 0
        for _, employee in items:
            # In file order, each search starts where the last record found ends: one pass over the text
            # for all of them. The scan proved this line opens exactly one record.
            start = self.text.find(f'{self.item}employee: "{employee}"\n', position) + 1
            if start == 0:
                raise _Unusable(f"staff record {employee} is not where the scan found it")
            following = self.text.find(self.item, start)
            end = following + 1 if following != -1 else self.block_end
            spans.append((start, end))
            position = end - 1
        return spans


def _numbered(text: str, employees: list[str]) -> dict[str, int]:
    """{employee: record index} of the numbers the scan found, in file order; nobody may be listed twice
    (the loader's own check decides, as in a full load)."""
    numbered = dict(zip(employees, range(len(employees)), strict=True))
    if len(numbered) != len(employees):
        _give_up_on(checks.staff_listed_twice(ParsedFile(path=Path(STAFF_FILE), display=STAFF_FILE, text=text),
                                              employees))
    return numbered


# ---------------------------------------------------------------------- the session
class PartialSession:
    """Loads several revisions partially, sharing every file (and model) whose content is the same."""

    def __init__(self, root: Path, store: ContentStore, kept: Artifacts | None = None):
        self.root = root
        self.store = store
        self.kept = kept  # where the staff file's scan is kept between runs (`result_cache.Verdicts.kept`)
        self.parsed: dict[tuple[str, str], ParsedFile] = {}
        self.models: dict[tuple[str, str, type], Any] = {}
        self.staff: dict[str, StaffScan] = {}

    def load(self, files: dict[str, str], schools: set[str], extra_people: frozenset[str] = frozenset(),
             *, github_folder: bool = False) -> Repository | None:
        """A Repository of `files` ({path: content key}) reading only `schools`' grants files, or None.

        `files` may hold .github/CODEOWNERS; `github_folder`: the revision has a .github folder.
        """
        try:
            return _PartialLoad(self, files, schools, set(extra_people), github_folder).run()
        except (_Unusable, OSError):
            return None

    def parse(self, path: str, key: str) -> ParsedFile:
        found = self.parsed.get((path, key))
        if found is None:
            found = parse_bytes(self.store.read(key), self.root / path, path)  # read_yaml's checks
            if found.errors:
                raise _Unusable(f"{path} does not load")
            if not isinstance(found.data, dict):
                raise _Unusable(f"{path} is not a mapping")
            self.parsed[(path, key)] = found
        return found

    def model(self, path: str, key: str, model: type[M]) -> tuple[ParsedFile, M]:
        parsed = self.parse(path, key)
        found = self.models.get((path, key, model))
        if found is None:
            try:
                found = model.model_validate(parsed.data)
            except ValidationError as exc:
                raise _Unusable(f"{path} is invalid") from exc
            self.models[(path, key, model)] = found
        return parsed, found

    def staff_scan(self, key: str) -> StaffScan:
        """The scan of the staff file with content `key`: kept from an earlier run when one scanned the same
        blob with the same code (a tenth of a second saved at 75,000 records), else scanned and kept."""
        found = self.staff.get(key)
        if found is None:
            raw = self.store.read(key)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Unusable("the staff file is not UTF-8") from exc
            # Only a Git blob id names the content for good; a working-tree key names a file that may change.
            kept = self.kept if self.kept is not None and not key.startswith(WORKTREE) else None
            digest = _kept_scan_digest(key) if kept is not None else ""
            parts = kept.get(KEPT_SCAN, digest) if kept is not None else None
            found = StaffScan.from_parts(text, parts) if parts is not None else None
            if found is None:
                found = StaffScan.scan(text)
                if kept is not None:
                    kept.put(KEPT_SCAN, digest, found.to_parts())
            self.staff[key] = found
        return found


KEPT_SCAN = "staff-scan"  # the latest staff file's scan (`PartialSession.staff_scan`)


def _parts_check(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(b"%d\0" % len(part))
        digest.update(part)
    return digest.hexdigest()


def _kept_scan_digest(key: str) -> str:
    return hashlib.sha256(f"staff-scan 1\0{key}\0{loader_stamp()}".encode()).hexdigest()


class _PartialLoad:
    def __init__(self, session: PartialSession, files: dict[str, str], schools: set[str], people: set[str],
                 github_folder: bool):
        self.session = session
        self.github_folder = github_folder
        self.files = files
        self.schools = schools
        self.people = people
        self.repo = Repository(root=session.root, loaded_locations=set(schools))

    def run(self) -> Repository:
        self._roles()
        self._district_and_groups()
        self._grants()
        self._staff()
        self._records()
        self._codeowners()
        return self.repo

    def _codeowners(self) -> None:
        key = self.files.get(CODEOWNERS_PATH)
        self.repo.codeowners = Codeowners.of(None if key is None else self.session.store.read(key),
                                             self.github_folder)

    def _model(self, path: str, model: type[M]) -> M:
        parsed, found = self.session.model(path, self.files[path], model)
        self.repo.sources[path] = parsed
        return found

    def _roles(self) -> None:
        repo = self.repo
        if CATEGORIES_FILE not in self.files or POLICY_FILE not in self.files:
            raise _Unusable("roles/ is incomplete")
        categories = self._model(CATEGORIES_FILE, CategoriesFile)
        _give_up_on(checks.categories_defined_twice(repo.sources[CATEGORIES_FILE], categories))
        repo.categories.update((category.id, category) for category in categories.categories)
        repo.policy = self._model(POLICY_FILE, Policy)
        # A cheap prefix test first: the listing holds every file of access/ too (a thousand or more).
        role_files = sorted(p for p in self.files if p.startswith(ROLES_DIR + "/")
                            and PurePosixPath(p).parent.as_posix() == ROLES_DIR
                            and PurePosixPath(p).suffix in {".yaml", ".yml"})
        for path in role_files:
            if path in {CATEGORIES_FILE, POLICY_FILE}:
                continue
            role = self._model(path, Role)
            _give_up_on(checks.role_problems(repo.sources[path], role, PurePosixPath(path).stem, repo.roles,
                                             repo.categories))
            repo.roles[role.id] = role
            repo.role_sources[role.id] = repo.sources[path]

    def _district_and_groups(self) -> None:
        repo = self.repo
        if DISTRICT_FILE not in self.files:
            raise _Unusable("no district file")
        district = self._model(DISTRICT_FILE, DistrictFile)
        _give_up_on(checks.district_problems(repo.sources[DISTRICT_FILE], district))
        repo.district = district
        if GROUPS_FILE in self.files:
            groups = self._model(GROUPS_FILE, GroupsFile)
            _give_up_on(checks.groups_defined_twice(repo.sources[GROUPS_FILE], groups))
            repo.groups.update((group.id, group) for group in groups.groups)

    def _grants(self) -> None:
        """Schools then offices, each in folder order: the order of a full load (first access wins)."""
        repo = self.repo
        found: dict[str, list[tuple[str, str]]] = {"schools": [], "offices": []}
        for path in self.files:
            match = _GRANTS.match(path)
            if match is None:
                continue
            folder, code = match.groups()
            if folder == "offices" or code in self.schools:
                found[folder].append((code, path))
        for folder, kind in (("schools", LocationKind.school), ("offices", LocationKind.office)):
            known = repo.schools if kind is LocationKind.school else repo.offices
            for code, path in sorted(found[folder]):
                model = self._model(path, GrantsFile)
                _give_up_on(checks.grants_location_problems(repo.sources[path], model, kind, code, known))
                repo.grants[code] = GrantsRecord(kind, code, repo.sources[path], model)

    def _staff(self) -> None:
        repo = self.repo
        if STAFF_FILE not in self.files:
            return
        scan = self.session.staff_scan(self.files[STAFF_FILE])
        wanted = set(self.people)
        for record in repo.grants.values():
            wanted.update(grant.employee for grant in record.model.grants)
        for group in repo.groups.values():
            wanted.update(group.members)
        scan.load(wanted)
        sponsors = {m.sponsor for e in wanted if (m := scan.members.get(e)) is not None and m.sponsor}
        scan.load(sponsors)
        for employee in sorted(wanted | sponsors, key=lambda e: scan.by_employee.get(e, -1)):
            member = scan.members.get(employee)
            if member is not None:
                repo.staff[employee] = member
                repo.staff_index[employee] = scan.by_employee[employee]
        self._logins_complete(scan)
        repo.sources[STAFF_FILE] = ParsedFile(path=self.session.root / STAFF_FILE, display=STAFF_FILE,
                                              text=scan.text)


    def _logins_complete(self, scan: StaffScan) -> None:
        """Every record claiming the Git username of a record read is read too, else _Unusable: who
        approves (a login two records claim is nobody's) then reads the same as on a full load."""
        read: dict[str, int] = {}
        for member in self.repo.staff.values():
            if member.git_username:
                login = member.git_username.lower()
                read[login] = read.get(login, 0) + 1
        if not read:
            return
        claims = scan.login_claims()
        if any(claims.get(login, 0) != count for login, count in read.items()):
            raise _Unusable("a Git username claimed by a record the partial load does not read")

    def _records(self) -> None:
        """The review files of the loaded schools and the stored login file, as this revision holds them.

        Reviews are parsed here (a change touches few schools); their problems are kept as the full
        load keeps them, for the rules to report. The login file is read on first use."""
        store = self.session.store
        reviews = sorted((path, key) for path, key in self.files.items()
                         if "/reviews/" in path and review_school(path) in self.schools)
        store.prefetch([key for _, key in reviews])
        parsed = [parse_bytes(store.read(key), self.session.root / path, path) for path, key in reviews]
        logins_key = self.files.get(LOGINS_FILE)
        logins: Path | bytes | None = None
        if logins_key is not None:
            logins = store.worktree_path(logins_key) or store.read(logins_key)
        self.repo.records = RevisionRecords(collect_reviews(parsed), logins)


# ---------------------------------------------------------------------- reach of wide grants
def partial_reach(repo: Repository, cluster: str | None) -> list[str]:
    """The schools a cluster grant (or, for None, an all-schools grant) reaches in a partial load.

    The loaded schools it covers, and the first school it covers even when that one is not loaded: then
    every grant still yields its accesses in the order of a full load (rules that keep a person's first
    access to a role see the same one), without expanding a district-wide grant to 1,000 schools.
    """
    reach: dict[str | None, list[str]] | None = repo.__dict__.get("_partial_reach")
    if reach is None:
        loaded = repo.loaded_locations or set()
        covered: dict[str | None, list[str]] = {None: list(repo.schools)}
        for school in repo.schools.values():
            covered.setdefault(school.cluster, []).append(school.code)
        reach = {key: codes[:1] + [c for c in codes[1:] if c in loaded] for key, codes in covered.items()}
        repo.__dict__["_partial_reach"] = reach
    return reach.get(cluster, [])
