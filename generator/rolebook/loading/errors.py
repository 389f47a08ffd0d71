"""Problems found while loading: the data cannot be trusted, so commands stop with exit code 2."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadError:
    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def format(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


class LoadFailed(Exception):
    """Raised with every load error of every file, never only the first."""

    def __init__(self, errors: list[LoadError]):
        super().__init__(f"{len(errors)} problem(s) loading the repository")
        self.errors = errors
