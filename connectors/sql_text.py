"""The ``:cursor`` placeholder of a SQL source's query, found outside literals and comments."""

from __future__ import annotations

import re
from collections.abc import Callable

# What the scan skips whole: quoted text and identifiers, dollar quotes, comments.
_SKIPPED = re.compile(
    r"""
      (?<!\w)[eE]'(?:[^'\\]|\\.|'')*'   # E'...' (backslash escapes)
    | '(?:[^']|'')*'                    # '...'
    | "(?:[^"]|"")*"                    # "identifier"
    | (?P<dollar>\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)   # $tag$ ... $tag$ (body found below)
    | --[^\n]*                          # -- comment
    | /\*                               # /* comment */ (may nest: found below)
    """,
    re.VERBOSE | re.DOTALL,
)
# As SQLAlchemy's text(): a name after one colon, not ``::type`` nor ``a:b``.
_PLACEHOLDER = re.compile(r"(?<![:\w\\]):cursor(?![\w:])")


def _comment_end(query: str, start: int) -> int:
    depth, i = 0, start
    while i < len(query):
        if query.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif query.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(query)


def replace_cursor(query: str, replacement: Callable[[], str]) -> tuple[str, int]:
    """``query`` with each ``:cursor`` outside quotes and comments replaced; and how many."""
    out: list[str] = []
    count, i = 0, 0
    while i < len(query):
        skipped = _SKIPPED.search(query, i)
        code_end = skipped.start() if skipped else len(query)
        code, n = _PLACEHOLDER.subn(lambda _m: replacement(), query[i:code_end])
        out.append(code)
        count += n
        if skipped is None:
            break
        if skipped["dollar"]:
            close = query.find(skipped["dollar"], skipped.end())
            end = len(query) if close < 0 else close + len(skipped["dollar"])
        elif skipped.group().startswith("/*"):
            end = _comment_end(query, skipped.start())
        else:
            end = skipped.end()
        out.append(query[skipped.start() : end])
        i = end
    return "".join(out), count
