from enum import StrEnum


class ChartSpecKind(StrEnum):
    BAR = "bar"
    HISTOGRAM = "histogram"
    LINE = "line"

    def __str__(self) -> str:
        return str(self.value)
