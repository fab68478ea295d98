"""Shared vocabulary of the file loaders: per-kind change counts and located errors."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class KindReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # left as they are although the source differs (not a change)

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.removed

    def __str__(self) -> str:
        kept = f", {self.kept} kept" if self.kept else ""
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed{kept}"
        )


@dataclass
class SyncReport:
    kinds: dict[str, KindReport] = field(default_factory=dict)

    def kind(self, name: str) -> KindReport:
        return self.kinds.setdefault(name, KindReport())

    @property
    def changes(self) -> int:
        return sum(report.changes for report in self.kinds.values())

    def lines(self) -> list[str]:
        return [f"{name}: {report}" for name, report in self.kinds.items()]


@dataclass(frozen=True)
class SourceError:
    path: Path | str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SourceErrors(Exception):
    """Every problem found in the input files; raised before anything is applied."""

    def __init__(self, errors: list[SourceError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors
