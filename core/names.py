"""Names someone misspelt: the closest valid one, and the messages that offer it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice a misspelt ``name`` most likely meant, if any is close enough."""
    options = list(choices)
    found = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    # Abbreviations and their long forms ("operator" for "op", "val" for "value").
    lowered = name.lower()
    for option in options:
        short, long_ = sorted((option.lower(), lowered), key=len)
        if len(short) >= 2 and long_.startswith(short):
            return option
    return None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``'; did you mean "x"?'`` for the closest choice, or nothing when none is close."""
    match = closest(name, choices)
    return f'; did you mean "{match}"?' if match else ""


def unknown_name(name: str, choices: Iterable[str], what: str = "field") -> str:
    """The message for a name nobody declared: ``"filter" is not a field; did you mean ...``."""
    return f'"{name}" is not a {what}{did_you_mean(name, choices)}'


def unknown_column(
    key: object, keys: Iterable[str], owner: str = "the panel"
) -> tuple[str, str | None]:
    """(message, hint) for a column key that ``owner`` does not have."""
    hint = did_you_mean(str(key), keys).removeprefix("; ") or None
    message = f"{owner} has no column {key!r}"
    return (f"{message}; {hint}" if hint else message), hint
