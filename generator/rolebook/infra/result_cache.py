"""A whole-result cache for `rolebook validate`: an unchanged repository answers without loading anything.

The key is a digest of what the answer depends on: Git's blob ids of every tracked file under roles/ and
access/ and of the other files rules read (`OTHER_INPUTS`: .github/CODEOWNERS) (`git ls-files -s` gives
them without reading a file), the content of files `git status` reports as modified or untracked there,
the rolebook code (version and the size and time of each of its modules), today's date and the command's
options. Any change to any of them is a different key, so a stale answer is never shown. Results live in
`.rolebook-cache/` (git-ignored); only the latest is kept. There is no cache outside Git, in CI (a fresh
checkout never hits it), or when anything under `.rolebook-cache/` is committed: an answer is only
trusted if this machine wrote it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import rolebook
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import git_output
from rolebook.paths import CODEOWNERS_PATH, DATA_DIRS

CACHE_DIR = ".rolebook-cache"
FORMAT = 1
VERDICT_FILE = "verdicts-{stamp}.json"
KEPT_DIR = "kept"  # `Verdicts.kept`: other facts of a file's content, beside the verdicts
LOADER_CODE = ("loading", "model", "paths.py", "infra/fileio.py")
# Every file a rule reads besides the data folders: the key covers these too (the rest of the key is the
# code, today's date and the command's options).
OTHER_INPUTS = (CODEOWNERS_PATH,)
# root -> (`git ls-files -s` and `git status` of the data folders), as `cache_key` read them
_snapshots: dict[Path, tuple[bytes, bytes]] = {}


def cache_key(root: Path, *options: object) -> str | None:
    """The digest of the repository's data and the options, or None when it cannot be known (no Git)."""
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return None
    listed = git_output(root, "ls-files", "-s", "-z", "--", *DATA_DIRS)
    status = git_output(root, "-c", "status.relativePaths=false", "status", "--porcelain=v1", "-z",
                        "--untracked-files=all", "--ignored=matching", "--no-renames", "--", *DATA_DIRS)
    committed = git_output(root, "ls-files", "--", CACHE_DIR)
    if listed is None or status is None or committed is None or committed.strip():
        return None
    _snapshots[root] = (listed, status)  # for `clean_blobs`, after a load
    # Inputs of rules outside the data folders (RB601 reads .github/CODEOWNERS), listed the same way.
    outside = [git_output(root, "ls-files", "-s", "-z", "--", *OTHER_INPUTS),
               git_output(root, "-c", "status.relativePaths=false", "status", "--porcelain=v1", "-z",
                          "--untracked-files=all", "--ignored=matching", "--no-renames", "--", *OTHER_INPUTS)]
    if outside[0] is None or outside[1] is None:
        return None
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{rolebook.__version__}\0{_code_stamp()}\0{options!r}\0".encode())
    digest.update(listed)
    digest.update(status)
    digest.update(b"\0".join([outside[0], outside[1]]))
    status = status + outside[1]
    top = git_output(root, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    base = Path(os.fsdecode(top.strip()))
    for entry in status.split(b"\0"):
        if len(entry) < 4:
            continue
        path = base / os.fsdecode(entry[3:])
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def load(root: Path, key: str | None) -> Any:
    if key is None:
        return None
    try:
        return json.loads((root / CACHE_DIR / f"validate-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(root: Path, key: str | None, value: Any) -> None:
    if key is None:
        return
    folder = root / CACHE_DIR
    try:
        for old in folder.glob("validate-*.json"):
            old.unlink(missing_ok=True)
        _ignore_in_git(folder)
        write_atomic(folder / f"validate-{key}.json", json.dumps(value))
    except OSError:
        pass  # a read-only checkout: no cache, same answer


def _ignore_in_git(folder: Path) -> None:
    """`.rolebook-cache/` ignores itself, subfolders included: nothing in it shows in `git status`."""
    if not (folder / ".gitignore").exists():
        write_atomic(folder / ".gitignore", "*\n")


def loader_stamp() -> str:
    """The loader's code (`LOADER_CODE`): what else a fact read from a file's content depends on."""
    return _code_stamp(*LOADER_CODE)


@functools.cache  # the code does not change while a process runs
def _code_stamp(*parts: str) -> str:
    """A digest of the size and time of each module of the package (or of those under `parts`)."""
    package = Path(rolebook.__file__).parent
    stamps = [rolebook.__version__]
    chosen = [package / part for part in parts] if parts else [package]
    modules = [m for path in chosen for m in ([path] if path.suffix == ".py" else path.rglob("*.py"))]
    for path in sorted(modules):
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


# ---------------------------------------------------------------------- load verdicts per blob
def clean_blobs(root: Path) -> dict[str, str]:
    """{path: blob id} of the tracked files under roles/ and access/ whose working-tree content is the
    blob Git lists (nothing `git status` reports), relative to `root`; empty outside Git."""
    listed, status = _snapshots.get(root) or (
        git_output(root, "ls-files", "-s", "-z", "--", *DATA_DIRS),
        git_output(root, "-c", "status.relativePaths=false", "status", "--porcelain=v1", "-z",
                   "--untracked-files=no", "--no-renames", "--", *DATA_DIRS))
    prefix = git_output(root, "rev-parse", "--show-prefix")
    if listed is None or status is None or prefix is None:
        return {}
    below = os.fsdecode(prefix.strip())  # status names paths from the top of the Git repository
    dirty = {os.fsdecode(entry[3:]).removeprefix(below) for entry in status.split(b"\0") if len(entry) > 3}
    found: dict[str, str] = {}
    for entry in listed.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        path = os.fsdecode(name)
        if len(parts) == 3 and parts[2] == b"0" and path not in dirty:
            found[path] = parts[1].decode()
    return found


class Verdicts:
    """What loading each file found, by content: {(path, blob id, context): load errors, or none}.

    Pull-request mode asks it whether the grants files it does not read would load (a full load
    answers, and so does any check of the blob); a blob it does not know is checked by the caller.
    The context is what else the verdict depends on (for a grants file, the district file's blob).
    Stored per version of the code in `.rolebook-cache/`, never trusted when that folder is committed.
    The answer with and without it is the same: it only saves reading files.
    """

    def __init__(self, path: Path | None, entries: dict[str, list[list[Any]]]):
        self.path = path
        self.entries = entries
        self.changed = False

    @classmethod
    def open(cls, root: Path) -> Verdicts:
        folder = root / CACHE_DIR
        committed = git_output(root, "ls-files", "--", CACHE_DIR)
        if committed is None or committed.strip():
            return cls(None, {})
        # A verdict is the loader's: only its code (and the models, the paths) makes a verdict stale.
        path = folder / VERDICT_FILE.format(stamp=loader_stamp()[:20])
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(path, entries if isinstance(entries, dict) else {})

    @staticmethod
    def _key(path: str, blob: str, context: str) -> str:
        return f"{path}\0{blob}\0{context}"

    def get(self, path: str, blob: str, context: str) -> list[tuple[int, int, str, str]] | None:
        """The load errors (line, column, message, hint) of that file, [] when it loads, None: unknown."""
        found = self.entries.get(self._key(path, blob, context))
        if not isinstance(found, list):
            return None
        return [(int(line), int(column), str(message), str(hint)) for line, column, message, hint in found]

    def put(self, path: str, blob: str, context: str, errors: list[tuple[int, int, str, str]]) -> None:
        key = self._key(path, blob, context)
        value = [list(error) for error in errors]
        if self.entries.get(key) != value:
            self.entries[key] = value
            self.changed = True

    def kept(self) -> Artifacts:
        """Other facts the loader finds in a file's content, kept beside the verdicts with the same trust:
        under the blob id and the loader's code (the caller's digest), never when the folder is committed."""
        return _Ignored(None if self.path is None else self.path.parent / KEPT_DIR)

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            for old in self.path.parent.glob(VERDICT_FILE.format(stamp="*")):
                if old != self.path:
                    old.unlink(missing_ok=True)
            _ignore_in_git(self.path.parent)
            write_atomic(self.path, json.dumps(self.entries))
            self.changed = False
        except OSError:
            pass  # a read-only checkout: no cache, same answer


# ---------------------------------------------------------------------- a build's artifacts by their inputs
def package_stamp(*parts: str) -> str:
    """A digest of the content of the package's files under `parts` (modules, templates, any file; all of
    them when none is named): the code that makes a build's artifacts. By content, not size and time as
    `_code_stamp`: an install in CI writes new times, and the artifacts are kept between CI runs."""
    return _package_stamp(parts)


@functools.cache
def _package_stamp(parts: tuple[str, ...]) -> str:
    package = Path(rolebook.__file__).parent
    chosen = [package / part for part in parts] if parts else [package]
    files = {file for path in chosen for file in ([path] if path.is_file() else path.rglob("*"))
             if file.is_file() and "__pycache__" not in file.parts}
    digest = hashlib.sha256(rolebook.__version__.encode())
    for path in sorted(files):
        digest.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class Artifacts:
    """Parts a build made, each under a name with the digest of everything it was made from.

    A later build asks for a name with the digest of its own inputs and gets the parts back only when the
    digests are equal: the inputs were the same, so the parts are what it would make. The digest is the
    caller's to compute from the data it renders (not from a list of files it hopes is complete), so a
    part is never stale. One file per name, replaced whole (written beside it, then renamed): a build
    cut short leaves old parts or new ones, never half of one. Forked workers may write different names at
    once; `prune` keeps only the names a build used.
    """

    MAGIC = b"rolebook-artifact 1\n"

    def __init__(self, folder: Path | None):
        self.folder = folder

    def get(self, name: str, digest: str) -> list[bytes] | None:
        if self.folder is None:
            return None
        try:
            data = (self.folder / name).read_bytes()
        except OSError:
            return None
        head = self.MAGIC + digest.encode() + b"\n"
        if not data.startswith(head):
            return None
        sizes_line, _, rest = data[len(head):].partition(b"\n")
        try:
            sizes = [int(size) for size in sizes_line.split()]
        except ValueError:
            return None
        if sum(sizes) != len(rest):
            return None
        parts, start = [], 0
        for size in sizes:
            parts.append(rest[start:start + size])
            start += size
        return parts

    def put(self, name: str, digest: str, parts: list[bytes]) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / name
            temporary = path.with_name(f".{name}.{os.getpid()}")
            temporary.write_bytes(b"".join([self.MAGIC, digest.encode(), b"\n",
                                            " ".join(str(len(p)) for p in parts).encode(), b"\n", *parts]))
            temporary.replace(path)
        except OSError:
            pass  # a read-only build folder: no reuse, same site

    def prune(self, used: set[str]) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in used:
                path.unlink(missing_ok=True)


class _Ignored(Artifacts):
    """Artifacts in a subfolder of `.rolebook-cache/`, which is kept out of Git before anything is written."""

    def put(self, name: str, digest: str, parts: list[bytes]) -> None:
        if self.folder is None:
            return
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            _ignore_in_git(self.folder.parent)
        except OSError:
            return  # a read-only checkout: no cache, same answer
        super().put(name, digest, parts)
