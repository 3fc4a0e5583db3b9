from enum import StrEnum


class SourceKind(StrEnum):
    FILE = "file"
    HTTP = "http"
    SQL = "sql"

    def __str__(self) -> str:
        return str(self.value)
