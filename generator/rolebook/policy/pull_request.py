"""Pull-request mode, whole: `rolebook validate --base REF` and the revisions the approval gate loads.

The base is read from Git (plain `git` plumbing, `rolebook.infra.git`), never by checking anything out;
the working tree (with uncommitted and untracked files) is the head. The change is every file under
roles/ and access/ that differs between them.

One contract, two ways to compute it. The full path loads every file of both revisions. The partial
path runs when the change touches schools' grants files only (the usual request): it reads the changed
schools, everything district-wide, the staff records of the people involved, and what the selected
rules declare beyond that (`Rule.needs`, no list of rule codes here). It gives exactly the full path's
new findings and exit code, or it answers None and the full path runs: exactness first.

- A rule that needs only the changed locations runs on the partial load; its findings at schools that
  were not read are left out (they cannot be new: nothing there changed).
- A rule that needs only district-wide files (`Need.DIRECTORY`) cannot find anything new when only
  grants files change: all it finds is shown as already there.
- A rule that needs every file naming the people involved (`Need.PEOPLE_EVERYWHERE`): those files are
  found with `git grep` and read too, and its findings about the people the change involves are kept.
- A rule that needs every location (`Need.EVERY_LOCATION`): the full path.
- A rule that compares .github/CODEOWNERS with the data (`Need.CODEOWNERS`, where the file is expected):
  the loaders read the file on both sides. A school's line follows the approvers holding access there;
  when only schools' grants files change and no grant that changes (on either side) reaches beyond its
  own school, only those schools' lines can change, and the partial loads hold all they depend on (the
  loader reads every record claiming the Git username of one it reads, so a login two people claim is
  seen). The other schools' lines are the same on both sides: their findings cannot be new. When the
  file itself (or the .github folder) differs between the revisions, or a wide grant changes: the full path.
- Review and login records (`Need.REVIEW_RECORDS`, `Need.LOGIN_RECORDS`) are read by the partial load
  for the schools it reads, from the revision itself.
- Whatever the partial load cannot read exactly (a file it reads that does not load, a broken staff
  file, a staff file laid out unusually): the full path.

Load errors, reported the same way by both paths:

- a load error in a file the change touches, or one the base does not have, is new: exit 2 (the
  change cannot be checked), every such problem printed at its file and line;
- a load error in a file the change does not touch, which the base has too, is already there: it does
  not block. It is listed among the pre-existing problems (code `LOAD`, with file and line), and both
  revisions are checked without that file (`loading.repository.load_tolerant`).

The approval gate loads three revisions from Git (base, merge base, head) the same two ways. A broken
grants file the pull request does not change is left out of all three (the gate judges only the
locations the change touches); any other load error means a revision cannot be judged: exit 2.

The partial path does not parse the 1,000 grants files it does not read to know which are broken: a
verdict cache (`result_cache.Verdicts`, blob id -> load errors or none) is filled by every full load and
by the partial path; a blob it does not know is read and checked, then remembered. Without the cache
the answer is the same, only slower.

This module imports nothing heavy at load time: the Git steps start while the models are imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from rolebook.infra.git import (
    GitFailed,
    changed_between,
    grep_files,
    inside_work_tree,
    list_tree,
    merge_base,
    resolve_commit,
    side_by_side,
    worktree_changes,
    write_blobs,
)
from rolebook.paths import (
    ACCESS_DIR,
    CODEOWNERS_PATH,
    DATA_DIRS,
    DISTRICT_FILE,
    GRANTS_FILE,
    LOCATION_FOLDERS,
    ROLES_DIR,
    SCHOOLS_DIR,
    SCHOOLS_FOLDER,
    STAFF_FILE,
)

if TYPE_CHECKING:  # the loaders, models and rules are imported when there is something to load
    import datetime as dt

    from rolebook.infra.result_cache import Verdicts
    from rolebook.loading import LoadError, Repository
    from rolebook.loading.fast.partial import ContentStore
    from rolebook.model.files import DistrictFile
    from rolebook.model.findings import Finding
    from rolebook.policy.rules.base import Need
    from rolebook.policy.validation import Validation

EXTRA_FILES = (CODEOWNERS_PATH,)
GITHUB_DIR = CODEOWNERS_PATH.partition("/")[0]  # .github: listed to know whether a revision has one
LOAD_ERROR = "LOAD"  # the code of a pre-existing load error among the pre-existing problems


class BaseUnavailable(Exception):
    """The base revision cannot be read (not a Git repository, an unknown ref) or judged."""


class ChangeUnloadable(Exception):
    """The change brings load errors (`new`): it cannot be checked, exit 2. `old`: those already there."""

    def __init__(self, new: list[LoadError], old: list[LoadError]):
        super().__init__(f"{len(new)} new problem(s) loading the change")
        self.new = new
        self.old = old


# ---------------------------------------------------------------------- the base and the change
@dataclass
class Change:
    base_sha: str
    changed: list[str]  # paths under roles/ and access/, relative to the access repository root, posix style
    # {path: blob id} under roles/ and access/ at base, and .github/CODEOWNERS when the base has it
    base_files: dict[str, str] = field(default_factory=dict)
    github_at_base: bool = False  # the base has a .github folder (a GitHub-hosted repository)
    codeowners_changed: bool = False  # .github/CODEOWNERS differs between the base and the working tree

    def scope(self) -> set[str] | None:
        """Location codes the change can affect, or None when it may affect everything.

        Only files in locations' folders changed (grants, reviews): those locations. Anything else
        under roles/ or access/ (district, groups, staff, policy, roles): everything.
        """
        codes: set[str] = set()
        for path in self.changed:
            parts = PurePosixPath(path).parts
            if parts[:1] not in ((ROLES_DIR,), (ACCESS_DIR,)):
                continue
            if len(parts) >= 4 and parts[1] in LOCATION_FOLDERS:  # a location's own folder
                codes.add(parts[2])
            else:
                return None
        return codes


def resolve_base(root: Path, ref: str) -> str:
    """The commit to compare with: where the branch started from `ref`, not later work on the base branch."""
    try:
        target = resolve_commit(root, ref)
    except GitFailed as exc:
        if not inside_work_tree(root):
            raise BaseUnavailable(f"{root} is not inside a Git repository") from exc
        raise BaseUnavailable(f"unknown Git revision '{ref}'") from exc
    return merge_base(root, target, "HEAD") or target  # no HEAD yet, or unrelated histories: the ref itself


def changed_files(root: Path, ref: str) -> Change:
    """Files under roles/ and access/ that differ between the merge base and the working tree, untracked
    ones included (nothing else can change the scope)."""
    base = resolve_base(root, ref)
    try:
        changed, listing = worktree_changes(root, base, (*DATA_DIRS, GITHUB_DIR))
    except GitFailed as exc:
        raise BaseUnavailable(f"cannot compare the working tree with {ref}: {exc}") from exc
    data = tuple(f"{folder}/" for folder in DATA_DIRS)
    return Change(base, [path for path in changed if path.startswith(data)],
                  {path: blob for path, blob in listing.items() if path.startswith(data) or path in EXTRA_FILES},
                  github_at_base=any(path.startswith(GITHUB_DIR + "/") for path in listing),
                  codeowners_changed=CODEOWNERS_PATH in changed)


@contextmanager
def base_tree(root: Path, ref: str) -> Iterator[Path]:
    """A temporary folder holding the base revision's roles/, access/ and CODEOWNERS (and a .github
    folder when the base has one: the repository is then hosted on GitHub)."""
    base = resolve_base(root, ref)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rolebook-base-") as folder:
        target = Path(folder)
        try:
            listed = list_tree(root, base, (*DATA_DIRS, GITHUB_DIR))
            # CODEOWNERS itself: a folder of that name is not it
            write_blobs(root, {path: blob for path, blob in listed.items()
                               if path in EXTRA_FILES or path.startswith(tuple(f"{d}/" for d in DATA_DIRS))}, target)
        except GitFailed as exc:
            raise BaseUnavailable(f"cannot read the files of {ref}: {exc}") from exc
        (target / ACCESS_DIR).mkdir(exist_ok=True)
        (target / ROLES_DIR).mkdir(exist_ok=True)
        if any(path.startswith(GITHUB_DIR + "/") for path in listed):
            (target / GITHUB_DIR).mkdir(exist_ok=True)
        yield target


# ---------------------------------------------------------------------- load errors, old and new
def split_load_errors(head: list[LoadError], base: list[LoadError],
                      changed: Iterable[str]) -> tuple[list[LoadError], list[LoadError]]:
    """(new, already there): an error is already there when its file is not changed and the base has it."""
    touched, known = set(changed), set(base)
    old = [e for e in head if e.file not in touched and e in known]
    return [e for e in head if e not in old], old


def _as_finding(error: LoadError) -> Finding:
    from rolebook.model.findings import Finding, Severity

    return Finding(LOAD_ERROR, Severity.error, error.file, error.line, error.message, error.hint,
                   column=error.column, key=(str(error.line), str(error.column), error.message))


def _verdict_context(path: str, files: dict[str, str]) -> str | None:
    """What a file's load errors depend on besides its content, as a key part (None: not remembered).

    A grants file's errors depend on its folder (the path) and on the district's locations; the staff
    file's on itself alone. Other files are always read in full, so nothing asks for their verdict.
    """
    if path == STAFF_FILE:
        return ""
    if GRANTS_FILE.match(path):
        return files.get(DISTRICT_FILE)
    return None


def _open_verdicts(root: Path) -> Verdicts:
    from rolebook.infra.result_cache import Verdicts

    return Verdicts.open(root)


def remember_verdicts(verdicts: Verdicts, blobs: dict[str, str], read: Iterable[str],
                      errors: list[LoadError], district_blob: str | None) -> None:
    """Note what a full load found for each file it read whose blob is known ({path: blob id})."""
    by_file: dict[str, list[LoadError]] = {}
    for error in errors:
        by_file.setdefault(error.file, []).append(error)
    for path in read:
        blob = blobs.get(path)
        context = _verdict_context(path, {DISTRICT_FILE: district_blob} if district_blob else {})
        if blob is None or context is None:
            continue
        verdicts.put(path, blob, context, [(e.line, e.column, e.message, e.hint) for e in by_file.get(path, [])])


def _verdicts_of(verdicts: Verdicts, store: ContentStore, files: dict[str, str], paths: list[str],
                 district: DistrictFile | None) -> dict[str, list[LoadError]]:
    """{path: load errors} for `paths` of a revision ({path: blob id}) without a full load: from the
    verdict cache, and for blobs it does not know, by reading and checking them (then remembered)."""
    from rolebook.loading import LoadError
    from rolebook.loading.repository import file_problems

    found: dict[str, list[LoadError]] = {}
    unknown: list[str] = []
    for path in paths:
        context = _verdict_context(path, files)
        known = verdicts.get(path, files[path], context) if context is not None else None
        if known is None:
            unknown.append(path)
        else:
            found[path] = [LoadError(path, line, column, message, hint) for line, column, message, hint in known]
    if unknown:
        store.prefetch([files[path] for path in unknown])
        for path in unknown:
            found[path] = file_problems(store.root, path, store.read(files[path]), district)
            context = _verdict_context(path, files)
            if context is not None:
                verdicts.put(path, files[path], context,
                             [(e.line, e.column, e.message, e.hint) for e in found[path]])
        verdicts.save()
    return found


# ---------------------------------------------------------------------- validate --base: the full path
def pull_request_full(root: Path, ref: str, today: dt.date, *, full: bool,
                      change: Change | None = None) -> Validation:
    """Both revisions loaded whole. Raises BaseUnavailable, or ChangeUnloadable for new load errors."""
    from rolebook.facts.diff import access_diff
    from rolebook.loading.repository import load_tolerant
    from rolebook.policy.check import Report, run_rules
    from rolebook.policy.request_checks import request_checks
    from rolebook.policy.validation import Validation

    change = change or changed_files(root, ref)
    scope = None if full else change.scope()
    head, head_errors = load_tolerant(root)
    with base_tree(root, change.base_sha) as folder:
        base, base_errors = load_tolerant(folder)
        new_errors, old_errors = split_load_errors(head_errors, base_errors, change.changed)
        verdicts = _open_verdicts(root)
        _remember_full_loads(verdicts, change, head, head_errors, base, base_errors)
        verdicts.save()
        if new_errors:
            raise ChangeUnloadable(new_errors, old_errors)
        # The rules run while the base folder exists: some read files beside the data (reviews, logins).
        head_report = run_rules(head, today, scope=scope, base=base)
        old = base_identities(base, today, scope, {f.code for f in head_report.findings})
        diff = access_diff(base, head)
    notes = []
    fixed = [e for e in base_errors if e not in set(head_errors)]
    if fixed:
        notes.append(f"the base revision {ref} has {len(fixed)} load problem(s) this change removes (first: "
                     f"{fixed[0].format().splitlines()[0]}); what those files hold now counts as new")
    report = Report(findings=[f for f in head_report.findings if f.identity() not in old],
                    preexisting=[*map(_as_finding, old_errors),
                                 *(f for f in head_report.findings if f.identity() in old)])
    return Validation(report=report, today=today, base=ref, base_sha=change.base_sha, scope=scope,
                      access_diff=diff, notes=notes, request_checks=request_checks(head, diff, today))


def _remember_full_loads(verdicts: Verdicts, change: Change, head: Repository,
                         head_errors: list[LoadError], base: Repository, base_errors: list[LoadError]) -> None:
    files = change.base_files
    remember_verdicts(verdicts, files, base.sources, base_errors, files.get(DISTRICT_FILE))
    if DISTRICT_FILE not in change.changed:  # the head's unchanged files are the base's blobs
        touched = set(change.changed)
        remember_verdicts(verdicts, files, [p for p in head.sources if p not in touched], head_errors,
                          files.get(DISTRICT_FILE))


def base_identities(base: Repository, today: dt.date, scope: set[str] | None, codes: set[str]) -> set[tuple[str, ...]]:
    """The identities of the base's findings by the rules `codes` (those that found something in the head).

    An identity starts with its rule's code, so a head finding can only be matched by a finding of the
    same rule: running just those rules on the base tells old from new exactly as running them all
    (`check.run_rules`) does, without the rest of the work. Rules the base's policy turns off find nothing.
    """
    from rolebook.policy.check import run_rules
    return {finding.identity() for finding in run_rules(base, today, scope=scope, codes=codes).findings}


# ---------------------------------------------------------------------- validate --base: the partial path
def _school_grants_code(path: str) -> str | None:
    match = GRANTS_FILE.match(path)
    return match.group(2) if match is not None and match.group(1) == SCHOOLS_FOLDER else None


def _needed(files: dict[str, str], schools: set[str]) -> dict[str, str]:
    """{path: content key} of what a partial load of `files` reads: everything but other schools' files."""
    needed = {}
    prefix = SCHOOLS_DIR + "/"
    for path, key in files.items():
        if path.startswith(prefix) and PurePosixPath(path).parts[2] not in schools:
            continue
        needed[path] = key
    return needed


def changed_people(base: Repository, head: Repository, schools: set[str]) -> set[str]:
    """Employees whose grants differ between the two revisions in the given schools' files."""
    people: set[str] = set()
    for code in schools:
        sides = []
        for repo in (base, head):
            grants: dict[str, list[str]] = {}
            record = repo.grants.get(code)
            for grant in record.model.grants if record else ():
                grants.setdefault(grant.employee, []).append(grant.model_dump_json())
            sides.append(grants)
        before, after = sides
        people.update(e for e in before.keys() | after.keys() if before.get(e) != after.get(e))
    return people


def selected_needs(repo: Repository) -> dict[str, frozenset[Need]]:
    """{rule code: what it needs} for every rule the repository's policy does not turn off."""
    from rolebook.policy.check import selected_rules

    return {rule.code: rule.needs for rule, _ in selected_rules(repo)}


def _too_much(needs: frozenset[Need], base: Repository, head: Repository, schools: set[str]) -> bool:
    """Does a selected rule need more than the partial loads of `schools` hold to answer exactly?

    Every location (`Need.EVERY_LOCATION`): always. CODEOWNERS (`Need.CODEOWNERS`, where the file is
    expected): when the file or the .github folder differs between the revisions, or a grant that
    reaches beyond its own school changes (see the module's docstring).
    """
    from rolebook.policy.rules.base import Need

    if Need.EVERY_LOCATION in needs:
        return True
    if Need.CODEOWNERS not in needs or not (base.codeowners.checked or head.codeowners.checked):
        return False
    return base.codeowners != head.codeowners or wide_grant_changed(base, head, schools)


def wide_grant_changed(base: Repository, head: Repository, schools: set[str]) -> bool:
    """Is a grant in these schools' files, added, removed or changed, of a cluster or all-schools scope?"""
    for code in schools:
        before, after = ({grant.model_dump_json(): grant for grant in (record.model.grants if record else ())}
                         for record in (base.grants.get(code), head.grants.get(code)))
        changed = [grant for key, grant in before.items() if key not in after] + [
            grant for key, grant in after.items() if key not in before]
        if any(grant.scope != "location" for grant in changed):
            return True
    return False


def keep_finding(finding: Finding, repo: Repository, needs: frozenset[Need], complete_people: set[str]) -> bool:
    """Is this finding on a partial load the full load's finding? Else leave it out (it cannot be new)."""
    from rolebook.policy.rules.base import Need

    if Need.PEOPLE_EVERYWHERE in needs:
        return finding.employee in complete_people
    loaded = repo.loaded_locations
    return not (loaded is not None and finding.location in repo.schools and finding.location not in loaded)


def pull_request_partial(root: Path, ref: str, today: dt.date,
                         pending_change: Callable[[], Change] | None = None) -> Validation | None:
    """`validate --base REF` on a partial load (a `Validation`), or None: the full path answers.

    `pending_change`: `changed_files(root, ref)` started earlier (`infra.git.in_background`).
    """
    from rolebook.facts.diff import access_diff
    from rolebook.loading.fast.partial import WORKTREE, ContentStore, PartialSession
    from rolebook.policy.check import Report, run_rules
    from rolebook.policy.request_checks import request_checks
    from rolebook.policy.rules.base import Need
    from rolebook.policy.validation import Validation
    try:
        change = pending_change() if pending_change is not None else changed_files(root, ref)
    except BaseUnavailable:
        return None  # the full path says so, with its hint
    scope = change.scope()
    if scope is None or not all(_school_grants_code(p) for p in change.changed):
        return None
    base_files = change.base_files
    store = ContentStore(root)
    head_files = {}
    changed = [*change.changed, *([CODEOWNERS_PATH] if change.codeowners_changed else [])]
    for path, key in base_files.items():
        if path in changed:
            continue
        head_files[path] = key
        store.local.setdefault(key, path)
    for path in changed:
        if (root / path).is_file():
            head_files[path] = WORKTREE + path
    store.prefetch([*_needed(base_files, scope).values(), *_needed(head_files, scope).values()])
    verdict_cache = _open_verdicts(root)
    session = PartialSession(root, store, verdict_cache.kept())
    schools = set(scope)
    head_github = (root / GITHUB_DIR).is_dir()

    def load_both() -> tuple[Repository | None, Repository | None]:
        return (session.load(base_files, schools, github_folder=change.github_at_base),
                session.load(head_files, schools, github_folder=head_github))

    base, head = load_both()
    if base is None or head is None:
        return None
    needs_of = selected_needs(head)
    needed: frozenset[Need] = frozenset().union(*needs_of.values())
    if _too_much(needed, base, head, schools):
        return None
    # The files not read: the staff file read record by record, and the other schools' grants files.
    unread = sorted(p for p in base_files if (code := _school_grants_code(p)) is not None and code not in schools)
    asked = [*unread, *([STAFF_FILE] if STAFF_FILE in base_files else [])]
    verdicts = _verdicts_of(verdict_cache, store, base_files, asked, head.district)
    if verdicts.get(STAFF_FILE):
        return None  # a broken staff file: the full load leaves it out, the partial load cannot
    broken = {path for path, errors in verdicts.items() if errors}
    people = changed_people(base, head, scope)
    if Need.PEOPLE_EVERYWHERE in needed:
        # Every file that names them: their roles across the district are then known in full.
        others = {code for p in grep_files(root, sorted(people), SCHOOLS_DIR)
                  if p not in broken and (code := _school_grants_code(p)) is not None} - schools
        if others:
            schools |= others
            store.prefetch(list(_needed(base_files, schools).values()))
            base, head = load_both()
            if base is None or head is None:
                return None
    head_report = run_rules(head, today, scope=scope, base=base)
    kept, directory = [], []
    for finding in head_report.findings:
        needs = needs_of[finding.code]
        if needs == {Need.DIRECTORY}:
            directory.append(finding)  # its files did not change: already there, by construction
        elif keep_finding(finding, head, needs, people):
            kept.append(finding)
    old = base_identities(base, today, scope, {f.code for f in kept})
    old_errors = sorted((e for path in unread for e in verdicts[path]), key=lambda e: (e.file, e.line, e.column))
    report = Report(findings=[f for f in kept if f.identity() not in old],
                    preexisting=[*map(_as_finding, old_errors),
                                 *sorted([f for f in kept if f.identity() in old] + directory,
                                         key=lambda f: (f.file, f.line, f.severity.rank, f.code))])
    diff = access_diff(base, head)
    return Validation(report=report, today=today, base=ref, base_sha=change.base_sha, scope=scope,
                      access_diff=diff, request_checks=request_checks(head, diff, today))


def pull_request_check(root: Path, ref: str, today: dt.date, *, full: bool,
                       pending_change: Callable[[], Change] | None = None) -> Validation:
    """`validate --base REF [--full]`: the partial path when it can answer, else the full path.

    Raises BaseUnavailable (the base cannot be read) or ChangeUnloadable (the change brings load errors).
    """
    if not full:
        partial = pull_request_partial(root, ref, today, pending_change)
        if partial is not None:
            return partial
    return pull_request_full(root, ref, today, full=full)


# ---------------------------------------------------------------------- the approval gate's revisions
@dataclass
class GitRevisions:
    """What Git says about a pull request, before anything is loaded."""

    base_sha: str
    merge_base_sha: str
    head_sha: str
    changed_files: list[str]  # relative to the access repository, merge base to head
    listings: dict[str, dict[str, str]]  # commit -> {path: blob id} under roles/ and access/


def _commit(path: Path, ref: str) -> str:
    try:
        return resolve_commit(path, ref)
    except GitFailed as exc:
        if not inside_work_tree(path):
            raise BaseUnavailable(f"{path} is not inside a Git repository") from exc
        raise BaseUnavailable(f"unknown revision '{ref}': fetch it first (actions/checkout needs fetch-depth: 0)") \
            from exc


def read_git(path: Path, base_ref: str, head_ref: str) -> GitRevisions:
    """The commits, the changed files and each commit's listing; independent Git processes side by side."""
    base, head = side_by_side(lambda: _commit(path, base_ref), lambda: _commit(path, head_ref))
    start = merge_base(path, base, head) or base
    shas = list(dict.fromkeys((base, start, head)))
    try:
        changed, *trees = side_by_side(lambda: changed_between(path, start, head),
                                       *[lambda sha=sha: list_tree(path, sha) for sha in shas])
    except GitFailed as exc:
        raise BaseUnavailable(f"cannot read {start[:12]}..{head[:12]} from Git: {exc}") from exc
    return GitRevisions(base, start, head, changed, dict(zip(shas, trees, strict=True)))


def _load_at(path: Path, commit: str, files: dict[str, str], dest: Path, label: str,
             changed: set[str]) -> Repository:
    """Load `files` ({path: blob id}, the roles/ and access/ folders of `commit`), written out under `dest`.

    A broken grants file the pull request does not change is left out (the gate reads only the
    locations it changes); any other load error means the revision cannot be judged.
    """
    from rolebook.loading.repository import load_tolerant

    try:
        repo, errors = load_tolerant(write_blobs(path, files, dest))
    except GitFailed as exc:
        raise BaseUnavailable(f"the {label} revision {commit[:12]} cannot be read from Git: {exc}") from exc
    verdicts = _open_verdicts(path)
    remember_verdicts(verdicts, files, repo.sources, errors, files.get(DISTRICT_FILE))
    verdicts.save()
    blocking = [e for e in errors if e.file in changed or not GRANTS_FILE.match(e.file)]
    if blocking:
        first = blocking[0]
        raise BaseUnavailable(f"the {label} revision {commit[:12]} cannot be loaded: "
                              f"{first.file}:{first.line}: {first.message} ({len(blocking)} problem(s))")
    return repo


def _partial_revisions(root: Path, found: GitRevisions) -> tuple[Repository, Repository, Repository] | None:
    """(base, merge base, head) loaded partially, or None to load everything."""
    from rolebook.loading.fast.partial import ContentStore, PartialSession

    data = [PurePosixPath(p).parts for p in found.changed_files if p.startswith(tuple(f"{d}/" for d in DATA_DIRS))]
    if not all(len(parts) >= 4 and "/".join(parts[:2]) == SCHOOLS_DIR for parts in data):
        return None  # only files in schools' folders (grants, reviews) take the partial load
    schools = {parts[2] for parts in data}
    store = ContentStore(root)
    needed = {path: key for files in found.listings.values() for path, key in _needed(files, schools).items()}
    store.adopt_worktree(needed)  # the files the working tree holds unchanged (the staff file...)
    store.prefetch(list(needed.values()))
    verdicts = _open_verdicts(root)
    session = PartialSession(root, store, verdicts.kept())
    loaded = {sha: session.load(files, schools) for sha, files in found.listings.items()}
    base, start, head = loaded[found.base_sha], loaded[found.merge_base_sha], loaded[found.head_sha]
    if base is None or start is None or head is None:
        return None
    if wide_grant_changed(start, head, schools) or wide_grant_changed(base, head, schools):
        return None  # a cluster or all-schools grant reaches schools the partial load did not read
    for files in {files[STAFF_FILE]: files for files in found.listings.values() if STAFF_FILE in files}.values():
        if _verdicts_of(verdicts, store, files, [STAFF_FILE], head.district)[STAFF_FILE]:
            return None  # read record by record, it must load whole: else the full path says why
    return base, start, head


@contextmanager
def gate_revisions(path: Path, found: GitRevisions, *, partial_load: bool = True) -> Iterator[
        tuple[Repository, Repository, Repository]]:
    """(base, merge base, head) for the approval gate: partially when the pull request changes schools'
    files only (and `partial_load`), else loaded whole. Raises BaseUnavailable when a revision cannot be
    judged."""
    partial = _partial_revisions(path, found) if partial_load else None
    if partial is not None:
        yield partial
        return
    base, start, head, listings = found.base_sha, found.merge_base_sha, found.head_sha, found.listings
    changed = set(found.changed_files)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rolebook-approvals-") as tmp:
        root = Path(tmp)
        base_repo = _load_at(path, base, listings[base], root / "base", "base", changed)
        start_repo = base_repo if start == base else _load_at(path, start, listings[start], root / "start",
                                                              "merge-base", changed)
        head_repo = _load_at(path, head, listings[head], root / "head", "head", changed)
        yield base_repo, start_repo, head_repo
