"""Formula errors that name the position, the problem and a hint."""

from __future__ import annotations


class FormulaError(ValueError):
    def __init__(
        self, message: str, position: int, *, hint: str | None = None, source: str = ""
    ) -> None:
        self.message = message
        self.position = position
        self.hint = hint
        self.source = source
        line = source.count("\n", 0, position) + 1
        column = position - (source.rfind("\n", 0, position) + 1) + 1
        self.line, self.column = line, column
        text = f"{message} (at line {line}, column {column})"
        if hint:
            text += f". {hint}"
        super().__init__(text)

    def as_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "position": self.position,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


class FormulaCycleError(ValueError):
    """Formula columns that depend on each other in a loop."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__(f"formula columns form a cycle: {' -> '.join(cycle)}")
