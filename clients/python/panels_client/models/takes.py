from enum import StrEnum


class Takes(StrEnum):
    MANY = "many"
    NONE = "none"
    ONE = "one"
    PAIR = "pair"
    WINDOW = "window"

    def __str__(self) -> str:
        return str(self.value)
