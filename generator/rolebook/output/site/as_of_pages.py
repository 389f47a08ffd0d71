"""The internal site's "Access on past dates" page of every school and office, from the Git history.

Each location's page lives in that location's own folder (`audit/schools/<code>/as-of.html`), so the
access map that protects the folder protects it too, and nothing links to it but the location's pages.
It shows the access in force at the end of each month (the last `MONTHS` months, from the first commit
on) and at the date of each of the school's access reviews, with who approved each grant and when:

- a table of the dates (why each is there, its commit, how many people and grants, what changed);
- one table of rows, each row one grant (with its roles) reaching the location with the same route,
  status, request and approval over a run of consecutive dates ("in force from ... to ...");
- a date picker (a small script) shows only the rows in force at one date; without the script every
  row shows with its dates.

The page is a whole HTML file (see `write_as_of_pages`), so it carries its own few styles.

"In force at the end of a date" is the rule of `rolebook access --at` (facts/as_of.py): the newest
mainline commit whose committer date is before the next midnight, UTC. The grants files are read at
those commits from their blobs (facts/as_of_timeline.py), never by a full load per date; cluster reach
and names come from the current data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import hashlib
import json
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from jinja2 import meta
from markupsafe import Markup, escape

from rolebook.facts.as_of import NO_VALUE, Approvals, AsOfError, MainlineCommit, commit_at, read_mainline
from rolebook.facts.as_of_timeline import GrantReader, Timelines, read_timelines
from rolebook.facts.grant_status import status_label
from rolebook.facts.history import History
from rolebook.facts.resolve import Access
from rolebook.infra.result_cache import Artifacts, package_stamp
from rolebook.loading import GrantsRecord, Repository
from rolebook.loading.yamlfile import ParsedFile
from rolebook.model.files import ClusterScope, Grant, GrantsFile, LocationKind
from rolebook.paths import grants_file_path

MONTHS = 24
MONTH_END = "month end"
REVIEW = "access review"
PAGE_NAME = "as-of"
LINK_TEXT = "Access on past dates"
TEMPLATE = "site/as_of/page.html.j2"
# The code that turns the history into a page: a change to it is a new digest for every page.
PAGE_CODE = ("output/site/as_of_pages.py", "facts/as_of.py", "facts/as_of_timeline.py", "facts/grant_status.py",
             "facts/resolve.py", "facts/history.py", "loading", "model", "templates/site/as_of", "output/templates.py")


class PageWriter(Protocol):
    """What the site's `Pages` offers (output/site/generate.py): a file written into the docs."""

    def write(self, relative: str, text: str | bytes) -> None: ...


@dataclass(frozen=True)
class Snapshot:
    day: dt.date
    kinds: tuple[str, ...]  # MONTH_END and/or REVIEW
    commit: MainlineCommit


# A row's identity over dates: employee, roles (ids, ", "), how, status label, request, approved by,
# approved on, expires, the grants file. A change in any of them starts a new row.
Key = tuple[str, str, str, str, str, str, str, str, str]
KEY_LENGTH = 9
FEW_FILES = 200  # grants files: up to this many, their versions are read by naming them to Git

# What a version of a grants file gives one group of locations alike: (file, which version, group), the
# group being a location code (its own grants), "cluster <id>" or ALL_SCHOOLS.
Group = tuple[str, int, str]
ALL_SCHOOLS = "all schools"
Entry = tuple[Grant, str]  # a grant, and how it reaches the group ("direct", "via cluster X", "all schools")
Span = tuple[Key, int, int]  # a row's identity, and the first and last index of the dates it is in force at


def by_group(record: GrantsRecord) -> dict[str, list[Entry]]:
    """One version's grants by the locations they reach, by facts/resolve.py's rule: a grant scoped to
    its location reaches that location; a cluster's, every school of the cluster; all schools', every
    school. The route's words are `Access.how`'s."""
    grouped: dict[str, list[Entry]] = {}
    routes: dict[str | None, str] = {}  # a cluster (None: all schools) -> the route's words
    for index, grant in enumerate(record.model.grants):
        scope = grant.scope
        if scope == "location":
            grouped.setdefault(record.code, []).append((grant, "direct"))
            continue
        cluster = scope.cluster if isinstance(scope, ClusterScope) else None
        how = routes.get(cluster)
        if how is None:
            how = routes[cluster] = Access(grant.employee, record.code, grant.roles[0],
                                           "cluster" if cluster else "all-schools", cluster, record, index).how
        grouped.setdefault(f"cluster {cluster}" if cluster else ALL_SCHOOLS, []).append((grant, how))
    return grouped


def location_folder(repo: Repository, code: str) -> str:
    """The location's own folder of the audit site (its report is audit/<kind>/<code>.html beside it)."""
    return f"audit/{'schools' if code in repo.schools else 'offices'}/{code}"


def page_path(repo: Repository, code: str) -> str:
    """The page's file in the built site (and in the docs MkDocs copies it from)."""
    return f"{location_folder(repo, code)}/{PAGE_NAME}.html"


def month_ends(first: dt.date, today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The last day of each month from `first`'s month up to today, at most the last `months` of them."""
    found: list[dt.date] = []
    year, month = first.year, first.month
    while True:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        end = following - dt.timedelta(days=1)
        if end > today:
            break
        found.append(end)
        year, month = following.year, following.month
    return found[-months:]


@dataclass
class Worked:
    """What the pages worked out from one grants file, kept while pages that read the file are made."""

    reach: dict[int, dict[str, list[Entry]]] = field(default_factory=dict)  # version -> grants by group
    expiries: dict[Group, list[dt.date]] = field(default_factory=dict)
    keys: dict[tuple[Group, int], frozenset[Key]] = field(default_factory=dict)  # (group, expiries passed)
    fixed: dict[tuple[int, str], tuple[str, str, str, str, Grant]] = field(default_factory=dict)
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)


class AsOfSite:
    """Everything the pages need, worked out once per build: the mainline, each grants file's versions
    and who approved each grant line by each date."""

    def __init__(self, repo: Repository, history: History, today: dt.date):
        self.repo, self.today, self.history = repo, today, history
        root = repo.root
        self.mainline = read_mainline(root)
        self.files = {code: grants_file_path("schools" if code in repo.schools else "offices", code)
                      for code in [*repo.schools, *repo.offices]}
        self.office_files = [self.files[code] for code in repo.offices]
        self.months = month_ends(self.mainline[-1].committed.date(), today) if self.mainline else []
        self._commits: dict[dt.date, MainlineCommit | None] = {}
        self.code_of = {file: code for code, file in self.files.items()}
        self._offices_at: dict[int, list[tuple[str, int, dict[str, list[Entry]]]]] = {}
        self._names: dict[str, str | None] = {}
        self._role_names: dict[str, str] = {}
        self._labels: dict[tuple[Any, dt.date | None, dt.date], str] = {}
        self._worked: dict[str, Worked] = {}  # per grants file: a school's is dropped once its page is made
        self._read_codes: set[str] = set()
        self._timelines = Timelines()
        self._timeline_files: set[str] | None = set()  # the files whose versions are read; None: all of them
        self._changes: dict[tuple[str, int], str | None] = {}
        self._seeded = False

    # What only a page worked out anew needs: a build whose pages are all kept never reads them.
    @cached_property
    def approvals(self) -> Approvals:
        return Approvals(self.history, self.mainline)

    @property
    def timelines(self) -> Timelines:
        """The versions of the grants files read so far (`read_versions` reads those its pages need)."""
        return self._timelines

    def _read_timelines(self, files: set[str]) -> None:
        """The versions of `files` not read yet: of just those when they are few (a republish makes a
        page or two anew), else of every grants file in the same one pass."""
        if self._timeline_files is None:
            return
        missing = files - self._timeline_files
        if not missing:
            return
        every = len(missing) > FEW_FILES
        found = read_timelines(self.repo.root, {c.sha: c.position for c in self.mainline},
                               None if every else sorted(missing))
        self._timelines.versions.update(found.versions)
        self._timeline_files = None if every else self._timeline_files | missing

    @cached_property
    def reader(self) -> GrantReader:
        return GrantReader()

    def _of(self, file: str) -> Worked:
        found = self._worked.get(file)
        if found is None:
            found = self._worked[file] = Worked()
        return found

    def forget(self, code: str) -> None:
        """Drop what was worked out for a school's own file once its page is made: no other page reads it
        (offices' files reach many schools and are kept). A district's pages would otherwise hold every
        school's rows at once."""
        if code in self.repo.schools:
            self._worked.pop(self.files[code], None)

    # ------------------------------------------------------------------ dates
    def review_days(self, code: str) -> list[dt.date]:
        if code not in self.repo.schools:
            return []
        return sorted({review.effective_date for review in self.repo.reviews.for_school(code)})

    def snapshots(self, code: str) -> list[Snapshot]:
        """The dates of the location's page, oldest first: month ends and its reviews' dates."""
        kinds: dict[dt.date, list[str]] = {}
        for day in self.months:
            kinds.setdefault(day, []).append(MONTH_END)
        for day in self.review_days(code):
            kinds.setdefault(day, []).append(REVIEW)
        found = []
        for day in sorted(kinds):
            commit = self._known_commit(day)
            if commit is not None:
                found.append(Snapshot(day, tuple(kinds[day]), commit))
        return found

    def _known_commit(self, day: dt.date) -> MainlineCommit | None:
        """The commit in force at the end of `day`; None before the first commit or after today."""
        if day not in self._commits:
            try:
                self._commits[day] = commit_at(self.mainline, day, self.today)
            except AsOfError:
                self._commits[day] = None
        return self._commits[day]

    def read_versions(self, codes: Iterable[str]) -> None:
        """Every version the pages of `codes` show, read in one Git process. The offices' files are wanted
        once, at every date of any school (their wide grants reach each school at its own review dates),
        not once per school: a thousand schools ask for the same few versions."""
        codes = [code for code in codes if code not in self._read_codes]
        if not codes:
            return
        schools = any(code in self.repo.schools for code in codes)
        self._read_timelines({self.files[code] for code in codes} | (set(self.office_files) if schools else set()))
        if len(codes) > FEW_FILES and not self._seeded:  # many pages: most past items are today's, parsed
            self.reader.seed(self.repo)
            self._seeded = True
        month_positions = {c.position for day in self.months if (c := self._known_commit(day)) is not None}
        wanted: dict[str, str] = {}
        school_positions = set(month_positions)
        for code in codes:
            positions = set(month_positions)
            positions |= {c.position for day in self.review_days(code) if (c := self._known_commit(day))}
            if code in self.repo.schools:
                school_positions |= positions
            self._want(wanted, self.files[code], positions)
        if schools:
            for office_file in self.office_files:  # versions read by an earlier call are not read again
                self._want(wanted, office_file, school_positions)
        self.reader.read(self.repo.root, wanted)
        self._read_codes.update(codes)

    def _want(self, wanted: dict[str, str], file: str, positions: Iterable[int]) -> None:
        for blob in self.timelines.blobs_at(file, positions):
            wanted[blob] = file

    # ------------------------------------------------------------------ access at a commit
    def _record(self, file: str, blob: str | None, code: str) -> GrantsRecord | None:
        grants = self.reader.grants(blob) if blob is not None else None
        if grants is None:
            return None
        kind = LocationKind.school if code in self.repo.schools else LocationKind.office
        model = GrantsFile.model_construct(location=code, acknowledge_removals=None, grants=grants)
        return GrantsRecord(kind, code, ParsedFile(path=Path(file), display=file, text=""), model)

    def _versions_at(self, code: str, position: int) -> list[tuple[Group, list[Entry]]]:
        """(group, its grants) that reach `code` at `position`: the location's own file and, at a school,
        the offices' cluster and all-schools grants. Those reach every school of a cluster (or every
        school) alike, so they are grouped by what they reach, not by school: one office version's rows
        are worked out once for all the schools it reaches."""
        if code not in self._read_codes:  # a caller that did not say which pages it wants first
            self.read_versions([code])
        school = self.repo.schools.get(code)
        found = [((file, index, code), entries) for file, index, reach in [self._version(self.files[code], position)]
                 if (entries := reach.get(code))]
        if school is not None:
            if position not in self._offices_at:  # the same few dates for every school: once per date
                self._offices_at[position] = [self._version(file, position) for file in self.office_files]
            for group in (f"cluster {school.cluster}", ALL_SCHOOLS):
                found += [((file, index, group), entries) for file, index, reach in self._offices_at[position]
                          if (entries := reach.get(group))]
        return found

    def _version(self, file: str, position: int) -> tuple[str, int, dict[str, list[Entry]]]:
        """(file, which version, its grants by group) as the commit at `position` had the file."""
        index, blob = self.timelines.version_at(file, position)
        reach = self._of(file).reach
        if index not in reach:
            record = self._record(file, blob, self.code_of[file])
            reach[index] = by_group(record) if record is not None else {}
        return file, index, reach[index]

    def parts_at(self, code: str, snapshot: Snapshot) -> dict[tuple[str, str], frozenset[Key]]:
        """The rows in force at one date, per stream (grants file, group): streams never share a row (a
        row names its file and route). Cached per version of each file's group and per how many of its
        expiry dates the day has passed, so from one date to the next an unchanged stream gives the very
        same set."""
        parts = {}
        for group, entries in self._versions_at(code, snapshot.commit.position):
            worked = self._of(group[0])
            if group not in worked.expiries:
                worked.expiries[group] = sorted({grant.expires for grant, _ in entries if grant.expires})
            passed = bisect.bisect_left(worked.expiries[group], snapshot.day)
            cached = worked.keys.get((group, passed))
            if cached is None:
                cached = worked.keys[(group, passed)] = self._keys_of(group[0], entries, snapshot)
            parts[(group[0], group[2])] = cached
        return parts

    def keys_at(self, code: str, snapshot: Snapshot) -> frozenset[Key]:
        """The rows in force at one date."""
        return frozenset().union(*self.parts_at(code, snapshot).values())

    def _keys_of(self, file: str, entries: list[Entry], snapshot: Snapshot) -> frozenset[Key]:
        """The rows of one group's grants at one date. A grant's item is shared by every version that has
        it unchanged (GrantReader), so its row's fixed fields are worked out once, not once per version."""
        day, position, at = snapshot.day, snapshot.commit.position, self.approvals.at
        fixed, labels = self._of(file).fixed, self._labels
        found = []
        for grant, how in entries:
            parts = fixed.get((id(grant), how))
            if parts is None:
                parts = (grant.employee, ", ".join(grant.roles), how,
                         grant.expires.isoformat() if grant.expires else "", grant)  # kept: its id stays unique
                fixed[(id(grant), how)] = parts
            label = labels.get((grant.status, grant.expires, day))
            if label is None:
                label = labels[(grant.status, grant.expires, day)] = status_label(grant.status, grant.expires, day)
            approval = at(file, parts[0], position)
            found.append((parts[0], parts[1], how, label, approval.request, approval.approved_by,
                          approval.approved_on, parts[3], file))
        return frozenset(found)

    def rows_at(self, code: str, snapshot: Snapshot) -> list[dict[str, Any]]:
        """The page's rows in force at one date: one per grant, with the fields of `rolebook who-has --at
        --format json` (and its roles, where who-has has a row per role)."""
        return sorted((self.row(key) for key in self.keys_at(code, snapshot)),
                      key=lambda row: (row["employee"], row["roles"]))

    def row(self, key: Key) -> dict[str, Any]:
        """The row's fields, a fresh dict (the caller adds its dates); the same key recurs at many pages."""
        rows = self._of(key[8]).rows
        found = rows.get(key)
        if found is None:
            found = rows[key] = self._new_row(key)
        return {**found, "roles": list(found["roles"])}

    def _new_row(self, key: Key) -> dict[str, Any]:
        employee, roles, how, label, request, approved_by, approved_on, expires, file = key
        return {"employee": employee, "name": self.person_name(employee), "roles": roles.split(", "),
                "role_names": self.roles_name(roles), "via": how, "status_label": label, "request": request,
                "approved_by": approved_by, "approved_on": approved_on, "expires": expires or None, "file": file}

    def person_name(self, employee: str) -> str | None:
        """The name HR has now (None for someone no longer in the directory)."""
        if employee not in self._names:
            person = self.repo.staff.get(employee)
            self._names[employee] = person.display_name if person else None
        return self._names[employee]

    def roles_name(self, roles: str) -> str:
        """The roles' names now ("Principal; Teacher"), from a row's role ids (", " between them)."""
        if roles not in self._role_names:
            self._role_names[roles] = "; ".join(
                self.repo.roles[r].name if r in self.repo.roles else r for r in roles.split(", "))
        return self._role_names[roles]

    # ------------------------------------------------------------------ the page
    def spans(self, code: str, snapshots: list[Snapshot]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(one entry per date with its counts, the rows each with the first and last date index)."""
        dates, spans = self.date_spans(code, snapshots)
        return dates, self.span_rows(spans, [date["day"] for date in dates])

    def date_spans(self, code: str, snapshots: list[Snapshot]) -> tuple[list[dict[str, Any]], list[Span]]:
        """(one entry per date with its counts, each row's identity with its first and last date index):
        all of the page that comes from the history, none from the current data (names, role names).
        Only the streams whose set changed from one date to the next are compared."""
        empty: frozenset[Key] = frozenset()
        open_rows: dict[Key, int] = {}
        spans: list[Span] = []
        dates: list[dict[str, Any]] = []
        previous: dict[tuple[str, str], frozenset[Key]] = {}
        people: dict[tuple[int, ...], int] = {}
        for index, snapshot in enumerate(snapshots):
            parts = self.parts_at(code, snapshot)
            added = removed = 0
            for stream in previous.keys() | parts.keys():
                old, new = previous.get(stream, empty), parts.get(stream, empty)
                if old is new:
                    continue
                for key in old - new:
                    spans.append((key, open_rows.pop(key), index - 1))
                    removed += 1
                for key in new - old:
                    open_rows[key] = index
                    added += 1
            seen = tuple(id(part) for part in parts.values())  # the cached sets live as long as the site
            if seen not in people:
                people[seen] = len({key[0] for part in parts.values() for key in part})
            dates.append({"index": index, "day": snapshot.day.isoformat(), "kinds": ", ".join(snapshot.kinds),
                          "commit": snapshot.commit.short, "people": people[seen],
                          "grants": sum(len(part) for part in parts.values()), "added": added, "removed": removed})
            previous = parts
        spans += [(key, first, len(snapshots) - 1) for key, first in open_rows.items()]
        return dates, spans

    def span_rows(self, spans: list[Span], days: list[str]) -> list[dict[str, Any]]:
        """The page's rows: each span with the current names, in the page's order."""
        rows = []
        for key, first, last in spans:
            row = self.row(key)
            row.update(first=first, last=last, until=days[last])
            row["from"] = days[first]
            rows.append(row)
        rows.sort(key=lambda r: (r["name"] or "", r["employee"], r["roles"], r["first"]))
        return rows

    # ------------------------------------------------------------------ kept from the last build
    @cached_property
    def file_records(self) -> dict[str, str]:
        """Per file, a digest of what the history says of its commits beyond their ids: the approvals recorded
        in Git notes (added after a merge), the pull request they name, whether they came before Rolebook.
        A commit's id fixes everything else a page shows of it (its files, message, date and parents)."""
        records: dict[str, Any] = {}
        for commit in self.history.commits:
            entry = (commit.sha, commit.approvals, commit.recorded_pr, commit.before_rolebook)
            for file in commit.changes:
                found = records.get(file)
                if found is None:
                    found = records[file] = hashlib.sha256()
                found.update(repr(entry).encode())
        return {file: digest.hexdigest() for file, digest in records.items()}

    def page_files(self, code: str) -> list[str]:
        """The grants files a location's page reads: its own and, at a school, the offices' (their wide
        grants reach it)."""
        return [self.files[code], *(self.office_files if code in self.repo.schools else [])]

    def inputs_digest(self, code: str, snapshots: list[Snapshot], stamp: str) -> str:
        """A digest of everything `date_spans` reads for the page, by each date's commit (which fixes every
        file's version then): the location's files with their recorded approvals, the school's local
        district, and the code. Computed without Git; `versions_digest` is the one the page is kept under."""
        return self._digest(code, stamp, [(s.day, s.kinds, s.commit.sha) for s in snapshots])

    def versions_digest(self, code: str, snapshots: list[Snapshot], stamp: str) -> str:
        """The digest of everything `date_spans` reads for the page, by what each date had of each of its
        files: the commit of the change in force. That commit fixes the file's content then and every
        earlier change of it, so who approved each line by then, and its notes are in `file_records`. A
        commit that touches none of the page's files leaves this digest as it was, though it becomes the
        commit in force at a date (a merge dated before a month end, or on the month's last day, at
        another school). Needs the files' timelines (`read_timelines_of`)."""
        files = self.page_files(code)
        return self._digest(code, stamp, [
            (s.day, s.kinds, tuple(self._change_sha(file, s.commit.position) for file in files)) for s in snapshots])

    def _digest(self, code: str, stamp: str, dates: list[Any]) -> str:
        school = self.repo.schools.get(code)
        files = self.page_files(code)
        return hashlib.sha256(repr((
            stamp, code, school.cluster if school is not None else None, files, dates,
            [self.file_records.get(file) for file in files])).encode()).hexdigest()

    def _change_sha(self, file: str, position: int) -> str | None:
        """The commit of the file's change in force at `position` (None: none by then)."""
        key = (file, position)
        if key not in self._changes:
            change = self.timelines.change_at(file, position)
            self._changes[key] = self.mainline[change].sha if change is not None else None
        return self._changes[key]

    def read_timelines_of(self, codes: list[str]) -> None:
        """The timelines of every file the pages of `codes` read, in one pass of Git."""
        if codes:
            self._read_timelines({file for code in codes for file in self.page_files(code)})

    def names_digest(self, spans: list[Span]) -> str:
        """The digest of the current data the rows show: the people's names and the roles' names."""
        employees = sorted({key[0] for key, _, _ in spans})
        roles = sorted({key[1] for key, _, _ in spans})
        return hashlib.sha256(repr(([(e, self.person_name(e)) for e in employees],
                                    [(r, self.roles_name(r)) for r in roles])).encode()).hexdigest()


def rows_html(rows: list[dict[str, Any]], repo_url: str,
              cells_of: dict[str, dict[tuple[str, ...], str]] | None = None) -> Markup:
    """The rows of the access table as ready HTML, escaped here: a district has a third of a million of
    them, and a template's per-cell work was most of the pages' cost. `cells_of`, kept from page to page,
    holds each distinct row's cells once made, per grants file: an office's grant recurs on every school's
    page (and a school's file, read by its page alone, can be dropped after it)."""
    out = []
    escaped: dict[str, str] = {}
    by_file = {} if cells_of is None else cells_of

    def cell(value: str) -> str:  # most values recur from row to row: escape each once
        found = escaped.get(value)
        if found is None:
            found = escaped[value] = str(escape(value))
        return found

    for row in rows:
        fields = (row["employee"], row["name"] or "(not in the HR directory now)", row["role_names"], row["via"],
                  row["status_label"], row["expires"] or NO_VALUE, row["request"], row["approved_by"],
                  row["approved_on"])
        made = by_file.get(row["file"])
        if made is None:
            made = by_file[row["file"]] = {}
        cells = made.get(fields)
        if cells is None:
            request = cell(row["request"])
            if repo_url and row["request"].startswith("PR #"):
                request = f'<a href="{escape(repo_url)}/pull/{escape(row["request"][4:])}">{request}</a>'
            cells = made[fields] = ("".join(f"<td>{cell(value)}</td>" for value in fields[:6])
                                    + f"<td>{request}</td><td>{cell(fields[7])}</td><td>{cell(fields[8])}</td>")
        out.append(f'<tr data-first="{row["first"]}" data-last="{row["last"]}">{cells}'
                   f'<td>{row["from"]}</td><td>{row["until"]}</td></tr>')
    return Markup("".join(out))  # noqa: S704 - every cell is escaped above


def write_as_of_pages(env: Any, pages: PageWriter, repo: Repository, history: History, today: dt.date,
                      common: dict[str, Any], kept: Artifacts | None = None) -> None:
    """Every school's and office's page, nothing when the repository has no Git history.

    Each page is a whole HTML file of its own, not a Markdown page: MkDocs copies it as it is (at a
    thousand schools, a thousand more pages through MkDocs would cost the build seconds), and the shared
    search index and sitemap never see it.

    What a page shows of the history (its dates and rows) is kept in `kept` from one build to the next,
    under the digest of the file versions it reads (`AsOfSite.versions_digest`), and so are its rows' HTML,
    with the names it shows now, and the page around them (`_write_pages`). A merge changes the versions of
    the files it touches, so a republish works out anew only the rows of the locations those files reach."""
    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples and dicts, no cycles: the collector's passes cost seconds
    try:
        _write_pages(env, pages, repo, history, today, common, kept or Artifacts(None))
    finally:
        if collecting:
            gc.enable()


def cache_names(repo: Repository) -> set[str]:
    """The names of the pages' entries in the build's cache (the rest of the cache prunes the others)."""
    return {name for code in [*repo.schools, *repo.offices]
            for name in (_cache_name(repo, code), _cache_name(repo, code) + BY_COMMITS)}


BY_COMMITS = ".by-commits"  # beside a page's entry: its versions digest, under the digest of the dates' commits


def _cache_name(repo: Repository, code: str) -> str:
    return f"as-of-{'schools' if code in repo.schools else 'offices'}-{code}"


@dataclass
class _Kept:
    dates: list[dict[str, Any]]  # without their commits: a date's commit may change while its rows do not
    spans: list[Span]
    rows_digest: bytes
    rows_html: bytes
    page_digest: bytes
    around: tuple[bytes, bytes]  # the page before and after its rows


KEPT_PARTS = 6


def _kept(parts: list[bytes] | None, snapshots: list[Snapshot]) -> _Kept | None:
    """A page the last build made from the same history; None when there is none, or it does not read."""
    if parts is None or len(parts) != KEPT_PARTS:
        return None
    try:
        dates, spans = json.loads(parts[0])
        kept = _Kept(dates, [(tuple(key), first, last) for key, first, last in spans], parts[1], parts[2],
                     parts[3], (parts[4], parts[5]))
    except (ValueError, TypeError):
        return None
    if not (isinstance(dates, list) and len(dates) == len(snapshots) and all(isinstance(d, dict) for d in dates)
            and all(len(key) == KEY_LENGTH and isinstance(first, int) and isinstance(last, int)
                    for key, first, last in kept.spans)):
        return None
    return kept


def _versions_digest(parts: list[bytes] | None) -> str | None:
    """The versions digest a `BY_COMMITS` entry holds; None when there is none, or it is not one."""
    if parts is None or len(parts) != 1:
        return None
    digest = parts[0].decode("ascii", errors="replace")
    return digest if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest) else None


@dataclass
class _Planned:
    code: str
    snapshots: list[Snapshot]
    by_commits: str  # AsOfSite.inputs_digest
    digest: str | None  # AsOfSite.versions_digest, from the last build's BY_COMMITS entry or worked out
    found: _Kept | None = None
    known: bool = True  # whether the BY_COMMITS entry had the digest (else it is written)


ROWS_MARK = "<!--rolebook-as-of-rows-->"  # where the rows go in the page around them (data is escaped)


def _write_pages(env: Any, pages: PageWriter, repo: Repository, history: History, today: dt.date,
                 common: dict[str, Any], kept: Artifacts) -> None:
    """Each page in three layers kept from the last build: its dates and rows, under the digest of the
    file versions they are read from; their rows' HTML, under that digest and the names shown now; the
    page around the rows, under the digest of everything its template is given (each date's commit, the
    location's name). The versions digest needs every file's changes from Git, so the last build's is
    found first by the digest of the dates' commits, which needs none: a merge after the last date reads
    Git for nothing but its own pages."""
    site = AsOfSite(repo, history, today)
    if not site.mainline:
        return
    template = env.get_template(TEMPLATE)
    # What the page template reads of the build's common values is part of each page's digest.
    used = meta.find_undeclared_variables(env.parse(env.loader.get_source(env, TEMPLATE)[0]))
    shown = [(name, common[name]) for name in sorted(used & common.keys())]
    stamp = package_stamp(*PAGE_CODE)
    repo_url = common.get("repo_url", "")
    planned = []
    for code in [*repo.schools, *repo.offices]:
        snapshots = site.snapshots(code)
        by_commits = site.inputs_digest(code, snapshots, stamp)
        digest = _versions_digest(kept.get(_cache_name(repo, code) + BY_COMMITS, by_commits))
        planned.append(_Planned(code, snapshots, by_commits, digest, known=digest is not None))
    site.read_timelines_of([plan.code for plan in planned if plan.digest is None])
    for plan in planned:
        if plan.digest is None:
            plan.digest = site.versions_digest(plan.code, plan.snapshots, stamp)
        plan.found = _kept(kept.get(_cache_name(repo, plan.code), plan.digest), plan.snapshots)
    site.read_versions(plan.code for plan in planned if plan.found is None)
    cells_of: dict[str, dict[tuple[str, ...], str]] = {}
    for plan in planned:
        code, snapshots, found, digest = plan.code, plan.snapshots, plan.found, plan.digest
        assert digest is not None
        name = _cache_name(repo, code)
        if found is not None:
            dates, spans = found.dates, found.spans
        else:
            dates, spans = site.date_spans(code, snapshots)
            dates = [{k: v for k, v in date.items() if k != "commit"} for date in dates]  # kept without them
        rows_digest = hashlib.sha256(repr((digest, site.names_digest(spans), repo_url)).encode()
                                     ).hexdigest().encode()
        rows_kept = found is not None and found.rows_digest == rows_digest
        rows = found.rows_html if found is not None and rows_kept else rows_html(
            site.span_rows(spans, [date["day"] for date in dates]), repo_url, cells_of).encode("utf-8")
        page = page_path(repo, code)
        given = {"page": page, "name": repo.location_name(code), "code": code, "months": MONTHS,
                 "dates": [{**date, "commit": snapshot.commit.short}
                           for date, snapshot in zip(dates, snapshots, strict=True)],
                 "report": f"../{code}.html",
                 "stylesheet": posixpath.relpath("assets/rolebook.css", posixpath.dirname(page))}
        page_digest = hashlib.sha256(repr((stamp, sorted(given.items()), shown)).encode()).hexdigest().encode()
        if found is not None and found.page_digest == page_digest:
            around = found.around
        else:
            html = template.render(**common, **given, rows=Markup(ROWS_MARK)).encode("utf-8")  # noqa: S704
            before, mark, after = html.partition(ROWS_MARK.encode())
            if ROWS_MARK.encode() in after or (not mark and rows):  # a page without dates shows no rows
                raise ValueError(f"{TEMPLATE} must show its rows once")
            around = (before, after)
        pages.write(page, around[0] + rows + around[1])
        if found is None or not rows_kept or around is not found.around:
            kept.put(name, digest, [
                json.dumps([dates, spans], ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                rows_digest, rows, page_digest, *around])
        if not plan.known:
            kept.put(name + BY_COMMITS, plan.by_commits, [digest.encode("ascii")])
        site.forget(code)
        if code in repo.schools:
            cells_of.pop(site.files[code], None)
