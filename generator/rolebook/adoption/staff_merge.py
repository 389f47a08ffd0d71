"""The staff directory from the HR export, merged into access/staff.yaml with its comments kept.

People already in the directory are updated from HR (their Git username is kept unless HR gives one);
new people are added; nobody is removed: a person missing from one export is `rolebook hr sync`'s
business, where removals are reviewed, not an import's.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rolebook.hr.sync import HRRecord
from rolebook.infra.yamledit import dump, flow_list, load, quoted

FIELDS = ("last_name", "first_name", "staff_type", "position", "hr_status")


def _set(entry: CommentedMap, record: HRRecord) -> bool:
    wanted: dict[str, Any] = {name: getattr(record, name) for name in FIELDS}
    wanted["locations"] = list(record.locations)
    changed = False
    for name, value in wanted.items():
        current = entry.get(name)
        same = [str(v) for v in current] == value if isinstance(current, list) else current == value
        if not same:
            entry[name] = flow_list(quoted(v) for v in value) if name == "locations" else value
            changed = True
    for name, value in record.values.items():
        if value is not None and entry.get(name) != value:
            entry[name] = quoted(value) if name == "sponsor" else value
            changed = True
    return changed


def merge_staff(text: str, records: list[HRRecord], source: str) -> tuple[str, int, int]:
    """(new staff.yaml text, people added, people updated)."""
    data = load(text) or CommentedMap()
    staff = data.get("staff")
    if not isinstance(staff, CommentedSeq):
        staff = CommentedSeq()
        data["staff"] = staff
    by_number = {str(entry.get("employee")): entry for entry in staff if isinstance(entry, CommentedMap)}
    added = updated = 0
    for record in records:
        entry = by_number.get(record.employee)
        if entry is not None:
            updated += _set(entry, record)
            continue
        entry = CommentedMap()
        entry["employee"] = quoted(record.employee)
        _set(entry, record)
        staff.append(entry)
        by_number[record.employee] = entry
        added += 1
    data["source"] = source
    return dump(data, text), added, updated
