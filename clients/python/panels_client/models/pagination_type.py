from enum import StrEnum


class PaginationType(StrEnum):
    CURSOR = "cursor"
    LINK = "link"
    NONE = "none"
    OFFSET = "offset"
    PAGE = "page"

    def __str__(self) -> str:
        return str(self.value)
