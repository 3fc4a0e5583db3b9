from enum import StrEnum


class QualityRuleUpdateSeverityType0(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return str(self.value)
