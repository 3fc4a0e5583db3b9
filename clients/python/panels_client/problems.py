"""The API's refusals as one exception, and how the hand-written helpers read an answer."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx

from .models.problem import Problem
from .types import Response

T = TypeVar("T")


class ApiError(Exception):
    """An answer other than the one expected: its HTTP status and, when the API sent one, its
    problem (``title``, ``detail``, and ``errors`` naming each refused field)."""

    def __init__(self, status: int, problem: Problem | None, content: bytes = b"") -> None:
        self.status = status
        self.problem = problem
        detail = problem.detail if problem else content.decode(errors="replace")[:300]
        super().__init__(f"HTTP {status}: {detail}")

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        """From a raw response whose body has been read (a problem document, or anything)."""
        problem = None
        try:
            body = json.loads(response.content)
            if isinstance(body, dict) and {"title", "status", "detail", "type"} <= body.keys():
                problem = Problem.from_dict(body)
        except ValueError:
            pass
        return cls(response.status_code, problem, response.content)


def unwrap(response: Response[Any], expected: type[T]) -> T:
    """The parsed answer if it is ``expected`` (the operation's success model), else ApiError."""
    if isinstance(response.parsed, expected):
        return response.parsed
    problem = response.parsed if isinstance(response.parsed, Problem) else None
    raise ApiError(int(response.status_code), problem, response.content)
