"""How the HR system's export maps onto the staff directory: column names and status words.

`access/hr-mapping.yaml` (optional) says which header holds each field and which HR words mean which
status; without it the export must use our own names. Example:

    columns: {employee_number: Employee ID, hr_status: Assignment Status, location_codes: Locations}
    hr_status: {Active: processed, New Hire: pending, Leave of Absence: on-leave, Terminated: separated}
    date_format: "%m/%d/%Y"
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from rolebook.loading.errors import LoadError, LoadFailed
from rolebook.loading.messages import translate
from rolebook.loading.yamlfile import read_yaml
from rolebook.model.files import HRStatus, ShortText, StaffType, Strict
from rolebook.paths import HR_MAPPING_FILE

FIELDS = (
    "employee_number", "last_name", "first_name", "staff_type", "position", "hr_status", "location_codes",
    "git_username", "contractor", "sponsor", "contract_end",
)
# Columns an HR export may not have at all: Git usernames and contractor details often live elsewhere.
OPTIONAL_COLUMNS = {"git_username", "contractor", "sponsor", "contract_end"}


class HRMapping(Strict):
    columns: dict[str, ShortText] = Field(
        default_factory=dict, description=f"Our field name -> the export's header. Fields: {', '.join(FIELDS)}."
    )
    hr_status: dict[ShortText, HRStatus] = Field(
        default_factory=lambda: {s.value: s for s in HRStatus},
        description="The export's status words -> processed, pending, on-leave or separated.",
    )
    staff_type: dict[ShortText, StaffType] = Field(
        default_factory=lambda: {s.value: s for s in StaffType},
        description="The export's staff type words -> certificated or classified.",
    )
    location_separator: ShortText = ";"
    date_format: ShortText = "%Y-%m-%d"

    def header(self, field: str) -> str:
        return self.columns.get(field, field)


def load_mapping(root: Path, explicit: Path | None = None) -> HRMapping:
    """The mapping from --mapping FILE, else access/hr-mapping.yaml, else the built-in default."""
    path = explicit if explicit is not None else root / HR_MAPPING_FILE
    if explicit is None and not path.exists():
        return HRMapping()
    display = path.as_posix() if explicit is not None else HR_MAPPING_FILE
    parsed = read_yaml(path, display)
    if parsed.errors:
        raise LoadFailed(parsed.errors)
    if not isinstance(parsed.data, dict):
        raise LoadFailed([LoadError(display, 1, 1, "the HR mapping is a mapping of settings",
                                    "see `rolebook hr sync --help` for an example")])
    try:
        mapping = HRMapping.model_validate(parsed.data)
    except ValidationError as exc:
        raise LoadFailed(translate(parsed, exc, HRMapping)) from None
    unknown = sorted(set(mapping.columns) - set(FIELDS))
    if unknown:
        raise LoadFailed([parsed.error(("columns", unknown[0]), f"unknown field '{unknown[0]}'",
                                       f"map one of: {', '.join(FIELDS)}")])
    return mapping
