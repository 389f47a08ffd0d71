"""A finding: one policy problem, at a file and line, with words to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    notice = "notice"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "notice": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    file: str
    line: int
    message: str
    hint: str = ""
    column: int = 1
    location: str | None = None  # the school or office it concerns, for per-school pages
    employee: str | None = None
    key: tuple[str, ...] = field(default=(), compare=False)  # stable identity across commits (PR mode)

    def identity(self) -> tuple[str, ...]:
        """What makes two findings 'the same problem' in base and head, independent of line numbers."""
        return (self.code, self.file, *self.key) if self.key else (self.code, self.file, self.message)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
            "location": self.location,
        }
