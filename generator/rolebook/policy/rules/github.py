"""RB601: .github/CODEOWNERS says what the data says, line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rolebook.facts.ownership import (
    Entry,
    entry_pattern,
    fixed_sections,
    location_pattern,
    office_entry,
    school_entry,
)
from rolebook.model.findings import Finding, Severity
from rolebook.paths import CODEOWNERS_PATH, OFFICES_FOLDER, SCHOOLS_FOLDER
from rolebook.policy.rules.base import Need, Rule, register

FIX = "run `rolebook codeowners` and commit the file"


@register
class CodeownersCurrent(Rule):
    """GitHub asks for reviews from .github/CODEOWNERS, which `rolebook codeowners` writes from the data:
    each school's folder to its principal, each office's to its approver group, roles and policy to the
    access administrators. When a principal changes and the file is not regenerated, GitHub asks the
    wrong person, or nobody. Fix: run `rolebook codeowners` and commit `.github/CODEOWNERS`.

    One finding per location whose line is out of date or missing (at that line, or line 1 when the
    file has none), one for a line naming a location the district does not have, and one when the other
    lines (the header, `*`, the roles and policy lines) differ. The file is read by the loader
    (`Repository.codeowners`). Repositories without a `.github` folder (no GitHub hosting) are not checked.
    """

    code = "RB601"
    name = "codeowners-current"
    severity = Severity.error
    summary = ".github/CODEOWNERS is generated from the data and must be current."
    sources = ("000",)
    local = False
    needs = frozenset({Need.CODEOWNERS})

    def check(self) -> Iterable[Finding]:
        owners = self.context.repo.codeowners
        if not owners.checked:
            return
        if owners.text is None:
            yield self.finding(CODEOWNERS_PATH, 1, f"{CODEOWNERS_PATH} is missing", FIX, key=("missing",))
            return
        found: dict[str, tuple[int, str]] = {}  # pattern -> (line number, line) of its first entry
        fixed: list[tuple[int, str]] = []
        for number, line in enumerate(owners.lines, start=1):
            pattern = entry_pattern(line)
            if pattern is None:
                fixed.append((number, line))
            elif pattern in found:
                yield self.finding(CODEOWNERS_PATH, number, f"{CODEOWNERS_PATH} line {number} repeats the entry "
                                   f"of {pattern} (line {found[pattern][0]}): remove it", FIX,
                                   key=(pattern, "repeated"))
            else:
                found[pattern] = (number, line)
        yield from self._fixed_lines(fixed, len(owners.lines))
        for entry in self._expected():
            at = found.get(entry.pattern)
            if at is None:
                yield self.finding(CODEOWNERS_PATH, 1, f"{CODEOWNERS_PATH} has no line for {entry.pattern}; "
                                   f"add: {entry.line}", FIX, location=entry.location, key=(entry.pattern,))
            elif at[1] != entry.line:
                yield self.finding(CODEOWNERS_PATH, at[0], f"{CODEOWNERS_PATH} line {at[0]} is out of date "
                                   f"with the data; it should be: {entry.line}", FIX, location=entry.location,
                                   key=(entry.pattern,))
        repo = self.context.repo
        known = {location_pattern(SCHOOLS_FOLDER, code) for code in repo.schools} | {
            location_pattern(OFFICES_FOLDER, code) for code in repo.offices}
        for pattern, (number, _) in found.items():
            if pattern not in known:
                yield self.finding(CODEOWNERS_PATH, number, f"{CODEOWNERS_PATH} line {number} names {pattern}, "
                                   "which is no school or office of access/district.yaml: remove it", FIX,
                                   key=(pattern,))

    def _expected(self) -> Iterator[Entry]:
        """Each location's line; on a partial load, the schools read only (the others did not change)."""
        repo, today = self.context.repo, self.context.today
        loaded = repo.loaded_locations
        for code in sorted(repo.schools):
            if loaded is None or code in loaded:
                yield school_entry(repo, code, today)
        for code in sorted(repo.offices):
            yield office_entry(repo, code)

    def _fixed_lines(self, have: list[tuple[int, str]], count: int) -> Iterator[Finding]:
        """One finding at the first of the other lines (header, `*`, roles and policy) not as generated."""
        head, middle, tail = fixed_sections(self.context.repo)
        want = [*head, *middle, *tail]
        for index in range(max(len(have), len(want))):
            if index >= len(have):
                yield self.finding(CODEOWNERS_PATH, max(count, 1), f"{CODEOWNERS_PATH} ends before the generated "
                                   f"lines do; missing: {want[index]}", FIX, key=("fixed lines",))
                return
            number, line = have[index]
            if index < len(want) and line == want[index]:
                continue
            detail = f"it should be: {want[index]}" if index < len(want) else "remove it"
            yield self.finding(CODEOWNERS_PATH, number, f"{CODEOWNERS_PATH} line {number} is not the generated "
                               f"line; {detail}", FIX, key=("fixed lines",))
            return
