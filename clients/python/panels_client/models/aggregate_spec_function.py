from enum import StrEnum


class AggregateSpecFunction(StrEnum):
    AVG = "avg"
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    COUNT_EMPTY = "count_empty"
    COUNT_NOT_EMPTY = "count_not_empty"
    MAX = "max"
    MEDIAN = "median"
    MIN = "min"
    SUM = "sum"

    def __str__(self) -> str:
        return str(self.value)
