from enum import StrEnum


class FileConfigFormatType0(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    NDJSON = "ndjson"
    PARQUET = "parquet"

    def __str__(self) -> str:
        return str(self.value)
