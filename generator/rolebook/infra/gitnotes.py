"""Git notes: text attached to a commit without changing it, under a ref of their own.

`rolebook apply` records each run in a note on the commit it applied (`refs/notes/rolebook-apply`):
the commit's history stays as it is, no commit on main is needed to keep the record, and the record
travels with `git fetch/push origin refs/notes/rolebook-apply`. `rolebook record-approvals` keeps who
approved a merged pull request the same way (`refs/notes/rolebook-approvals`), one note per merge
commit, rewritten whole (`write_note`) rather than appended to.
"""

from __future__ import annotations

from pathlib import Path

from rolebook.infra.git import GitFailed, run_git

_IDENTITY = {"user.name": "Rolebook", "user.email": "rolebook@localhost"}


def read_notes(root: Path, ref: str) -> dict[str, str]:
    """{commit id: note text} of every note under `ref`; empty when the ref does not exist."""
    try:
        listing = run_git(root, "notes", f"--ref={ref}", "list").decode().split()
    except GitFailed:
        return {}
    pairs = [(listing[i + 1], listing[i]) for i in range(0, len(listing) - 1, 2)]  # "<note blob> <commit>"
    if not pairs:
        return {}
    wanted = "".join(f"{blob}\n" for _, blob in pairs).encode()
    output = run_git(root, "cat-file", "--batch", input_bytes=wanted)
    found: dict[str, str] = {}
    position = 0
    for commit, _blob in pairs:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3:
            continue
        size = int(header[2])
        found[commit] = output[position:position + size].decode("utf-8", "replace")
        position += size + 1
    return found


def _identity(root: Path) -> tuple[str, ...]:
    """`-c` options naming Rolebook, when the repository has no identity of its own (a fresh CI runner):
    a note is a commit on its ref, and Git refuses a commit without an author."""
    try:
        run_git(root, "config", "user.email")
    except GitFailed:
        return tuple(arg for key, value in _IDENTITY.items() for arg in ("-c", f"{key}={value}"))
    return ()


def read_note(root: Path, ref: str, commit: str) -> str | None:
    """The note of `commit` under `ref`, or None when it has none (or the ref does not exist)."""
    try:
        return run_git(root, "notes", f"--ref={ref}", "show", commit).decode("utf-8", "replace")
    except GitFailed:
        return None


def write_note(root: Path, ref: str, commit: str, text: str) -> bool:
    """Make `text` the whole note of `commit`. False when the note already says exactly that: no new
    commit on the notes ref, so a rerun changes nothing (and pushes nothing)."""
    if read_note(root, ref, commit) == text:
        return False
    run_git(root, *_identity(root), "notes", f"--ref={ref}", "add", "--force", "-F", "-", commit,
            input_bytes=text.encode())
    return True


def object_ids(root: Path, names: list[str]) -> list[str | None]:
    """The object each name (HEAD, a notes ref...) points at, None for a name that points at nothing:
    one `git cat-file` process for all of them."""
    if not names or any(name.startswith("-") or "\n" in name for name in names):
        return [None for _ in names]
    try:
        output = run_git(root, "cat-file", "--batch-check=%(objectname)", input_bytes="".join(
            f"{name}\n" for name in names).encode()).decode().splitlines()
    except GitFailed:
        return [None for _ in names]
    return [line if not line.endswith(" missing") else None for line in output] + [None] * (len(names) - len(output))


def append_note(root: Path, ref: str, commit: str, text: str) -> None:
    """Add `text` to the note of `commit` (a new paragraph when it already has one).

    A Git identity is only needed for the note's own commit: when the repository has none configured
    (a fresh CI runner), Rolebook signs it.
    """
    identity = _identity(root)
    # The text on stdin: a run that created 70,000 users does not fit in an argument list.
    run_git(root, *identity, "notes", f"--ref={ref}", "append", "-F", "-", commit, input_bytes=text.encode())


def first_parents(root: Path, revision: str = "HEAD") -> list[str]:
    """The mainline from `revision` back, newest first (empty when there is no commit yet)."""
    try:
        return run_git(root, "rev-list", "--first-parent", revision).decode().split()
    except GitFailed:
        return []
