from enum import StrEnum


class QualityRuleCreateKind(StrEnum):
    BETWEEN = "between"
    FRESHNESS = "freshness"
    IN_SET = "in_set"
    LENGTH_BETWEEN = "length_between"
    MATCHES_REGEX = "matches_regex"
    NOT_NULL = "not_null"
    ROW_COUNT_BETWEEN = "row_count_between"
    UNIQUE = "unique"

    def __str__(self) -> str:
        return str(self.value)
