"""Every grants file at many past dates at once, cheaply: for the site's as-of pages.

Loading the whole repository at each of 30 dates would cost 30 full loads. Instead:

- one `git log --first-parent --raw` pass over the grants files gives, per file, the blob id it had after
  each mainline commit that changed it (`Timelines`);
- the blobs wanted (those in force at the dates asked for) are read by one `git cat-file --batch`;
- a grants file changes by a grant or two from one version to the next, so each version is split into
  its list items and only the items not seen before are parsed and validated (`GrantReader`), with the
  loader's own parser and the `Grant` model. A version laid out unusually (a flow list, a field after
  the list) is read whole the same way; one that does not load is None: the page says so.

District-wide files (the district, its clusters, the staff) are not followed here: cluster reach and
names come from the current data. `rolebook access --at` / `who-has --at` load everything at the date.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from rolebook.infra.git import git_text, stream_blobs
from rolebook.loading import Repository
from rolebook.loading.yamlfile import parse_bytes
from rolebook.model.files import Grant, GrantsFile
from rolebook.paths import GRANTS_FILE_NAME, OFFICES_DIR, SCHOOLS_DIR

GRANTS_PATHSPECS = (f"{SCHOOLS_DIR}/*/{GRANTS_FILE_NAME}", f"{OFFICES_DIR}/*/{GRANTS_FILE_NAME}")
NO_BLOB = "0" * 40
GRANTS_KEY = re.compile(r"^grants:[ ]*(#[^\n]*)?\n", re.MULTILINE)
FIRST_ITEM = re.compile(r"^( *)- ", re.MULTILINE)
UNUSUAL_LINE = re.compile(r"^(?![ ]*$|[ ]*#)", re.MULTILINE)


@dataclass
class Timelines:
    """Per grants file, its blob after each mainline commit that changed it (None: the file was deleted)."""

    # file -> ([positions, ascending: newest change first], [blob or None, same order])
    versions: dict[str, tuple[list[int], list[str | None]]] = field(default_factory=dict)

    def blob_at(self, file: str, position: int) -> str | None:
        """The file's blob as the mainline commit at `position` (0 is HEAD) had it; None when absent."""
        return self.version_at(file, position)[1]

    def version_at(self, file: str, position: int) -> tuple[int, str | None]:
        """(which change of the file was in force at `position`, as an index; the blob or None). The
        index tells apart two spells of the same content (a change undone later)."""
        found = self.versions.get(file)
        if found is None:
            return -1, None
        positions, blobs = found
        index = bisect.bisect_left(positions, position)  # the newest change at or before that commit
        return (index, blobs[index]) if index < len(positions) else (-1, None)

    def change_at(self, file: str, position: int) -> int | None:
        """The position of the file's change in force at `position` (the commit that made the version then),
        None when it had none by then."""
        index, _ = self.version_at(file, position)
        return self.versions[file][0][index] if index >= 0 else None

    def blobs_at(self, file: str, positions: Iterable[int]) -> Iterator[str]:
        """The file's blobs in force at each of `positions` (as `blob_at`, None left out), in one walk along
        its changes rather than a search per position: the offices' files are wanted at every date of
        every school."""
        found = self.versions.get(file)
        if found is None:
            return
        changes, blobs = found
        index = 0
        for position in sorted(positions):  # ascending, as the changes are
            while index < len(changes) and changes[index] < position:
                index += 1  # the first change at or after the position: bisect_left's answer
            if index == len(changes):
                return
            if (blob := blobs[index]) is not None:
                yield blob


def read_timelines(root: Path, position_of: dict[str, int], files: Iterable[str] | None = None) -> Timelines:
    """One pass of `git log` over every grants file, or over just `files` (a walk through far fewer trees:
    a tenth of the time for a few files of a district); `position_of` maps mainline shas to positions."""
    paths = list(GRANTS_PATHSPECS) if files is None else [f":(literal){file}" for file in files]
    if not paths:
        return Timelines()
    output = git_text(root, "log", "--first-parent", "--diff-merges=first-parent", "--raw", "--no-renames",
                      "--no-abbrev", "--relative", "--format=%x00%H", "HEAD", "--", *paths) or ""
    timelines = Timelines()
    for chunk in output.split("\x00")[1:]:
        sha, _, raw = chunk.partition("\n")
        position = position_of.get(sha.strip())
        if position is None:
            continue
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) < 5:
                continue
            blob = None if parts[4].startswith("D") or parts[3] == NO_BLOB else parts[3]
            positions, blobs = timelines.versions.setdefault(path, ([], []))
            positions.append(position)
            blobs.append(blob)
    return timelines


def split_items(text: str) -> list[str] | None:
    """The text of each item of a grants file's `grants:` list, or None when the file is laid out in a way
    this simple reading does not follow (then the whole file is parsed). Regular expressions over the
    whole text: a district's versions are hundreds of megabytes, too many lines for a loop."""
    start = GRANTS_KEY.search(text)
    if start is None:
        return None
    body = text[start.end():]
    first = FIRST_ITEM.search(body)
    if UNUSUAL_LINE.search(body, 0, first.start() if first else len(body)) is not None:
        return None  # something other than comments between `grants:` and its first item
    if first is None:
        return []
    indent = first.group(1)
    body = body[first.start():]
    # Every line is an item's start, deeper than the items, blank or a comment; anything else (a field
    # after the list, a layout of its own) is left to the whole-file parse.
    if re.search(rf"^(?!{indent}- | {{{len(indent) + 1}}}|[ ]*$|[ ]*#)", body, re.MULTILINE):
        return None
    return [item.rstrip("\n") for item in re.split(rf"\n(?={indent}- )", body)]


class GrantReader:
    """Grants files' versions to `Grant` models, parsing each distinct list item once."""

    def __init__(self) -> None:
        self._items: dict[str, Grant] = {}
        self._blobs: dict[str, list[Grant] | None] = {}

    def seed(self, repo: Repository) -> None:
        """The items of the current files, already loaded: most past versions share nearly all of them."""
        for record in repo.grants.values():
            items = split_items(record.source.text)
            if items is not None and len(items) == len(record.model.grants):
                self._items.update(zip(items, record.model.grants, strict=True))

    def read(self, root: Path, wanted: dict[str, str]) -> None:
        """Read the blobs `wanted` ({blob id: the file it is a version of}) in one Git process."""
        missing = {blob: file for blob, file in wanted.items() if blob not in self._blobs}
        for blob, raw in stream_blobs(root, list(missing)):  # each parsed while Git reads the next
            self._blobs[blob] = self._grants_of(raw, missing[blob])

    def grants(self, blob: str) -> list[Grant] | None:
        """The grants of a version `read` has read; None when it did not load."""
        return self._blobs.get(blob)

    def _grants_of(self, raw: bytes, file: str) -> list[Grant] | None:
        text = raw.decode("utf-8", "replace")
        items = split_items(text)
        if items is None:
            return self._whole(raw, file)
        new = [item for item in dict.fromkeys(items) if item not in self._items]
        if new:
            parsed = parse_bytes(("grants:\n" + "\n".join(new) + "\n").encode(), Path(file), file)
            data = parsed.data.get("grants") if isinstance(parsed.data, dict) else None
            if parsed.errors or not isinstance(data, list) or len(data) != len(new):
                return self._whole(raw, file)
            try:
                self._items.update((item, Grant.model_validate(value)) for item, value in zip(new, data, strict=True))
            except ValidationError:
                return self._whole(raw, file)
        return [self._items[item] for item in items]

    @staticmethod
    def _whole(raw: bytes, file: str) -> list[Grant] | None:
        parsed = parse_bytes(raw, Path(file), file)
        if parsed.errors or not isinstance(parsed.data, dict):
            return None
        try:
            return GrantsFile.model_validate(parsed.data).grants
        except ValidationError:
            return None
