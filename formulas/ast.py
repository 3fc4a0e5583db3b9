"""The formula syntax tree. Every node keeps its character offset for error messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

Value = float | str | bool | date | datetime | None


@dataclass(frozen=True)
class Literal:
    value: Value
    pos: int


@dataclass(frozen=True)
class ColumnRef:
    name: str  # as written between the braces
    pos: int
    key: str = ""  # resolved by the checker


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


Node = Literal | ColumnRef | Unary | Binary | Call


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
