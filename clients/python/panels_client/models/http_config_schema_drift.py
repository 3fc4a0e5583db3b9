from enum import StrEnum


class HttpConfigSchemaDrift(StrEnum):
    ADD = "add"
    FAIL = "fail"
    IGNORE = "ignore"

    def __str__(self) -> str:
        return str(self.value)
