from enum import StrEnum


class ChangeObjectType(StrEnum):
    COLUMN = "column"
    PANEL = "panel"
    QUALITY_RULE = "quality_rule"
    SOURCE = "source"
    VIEW = "view"

    def __str__(self) -> str:
        return str(self.value)
