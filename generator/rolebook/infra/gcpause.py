"""Pause Python's cyclic garbage collector while building or reading large, long-lived structures.

Loading a district of 1,000 schools creates millions of objects (parsed YAML, models, indexes) that all
live until the command ends. Each time enough new objects pile up, the collector walks every tracked
object looking for cycles that this data never has: at full scale that is as much work as the parsing
itself. The loaded data holds no reference cycles, so reference counting frees it as before; the pause
only postpones the search for cycles until the block ends. A large repository is then moved out of the
collector's sight for good (`gc.freeze`), or its first collections afterwards would walk it all again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Below this many grant entries the collector's walks cost milliseconds: leave the collector alone.
LARGE_REPOSITORY_GRANTS = 20_000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; restore it as it was afterwards (nesting is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Large loaded data, kept until the process ends (see keep_loaded).
_kept: list[object] = []


def keep_loaded(grant_count: int, data: object = None) -> None:
    """Exempt everything allocated so far from future collections, when the repository is large; and
    keep `data` (the repository) alive until the process ends.

    Freeing a district of 1,000 schools object by object costs a fifth of a second, when the command
    is about to end anyway and the operating system takes the memory back at once (`cli._leave`).
    Only for large repositories: a frozen object in a reference cycle is never freed, which a long-running
    process (a test run) loading many small repositories should not risk for no gain.
    """
    if grant_count >= LARGE_REPOSITORY_GRANTS:
        gc.freeze()
        if data is not None:
            _kept.append(data)


@contextmanager
def collector_off_for_command() -> Iterator[None]:
    """Run a short command's whole work, imports included, with the cyclic collector off.

    A pull-request check imports pydantic, the models and the rules and loads a few thousand records:
    with the collector on, its walks over everything already imported cost as much as the checking
    itself. On the way out, everything allocated in the block joins the oldest generation at once
    (`gc.freeze` then `gc.unfreeze`: two list splices that also reset the allocation counts), so the
    first collection after the block does not walk it all either; a later full collection still frees
    whatever cycles it holds, so a long-running caller (a test run) leaks nothing. If something was
    frozen meanwhile (`keep_loaded`: a full load of a large repository), everything stays frozen.
    """
    with collector_paused():
        try:
            yield
        finally:
            frozen_by_others = gc.get_freeze_count() > 0
            gc.freeze()
            if not frozen_by_others:
                gc.unfreeze()
