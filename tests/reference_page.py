"""Read VoIPstudio's Call Me Back reference page (tests/fixtures/callmeback-api-docs.txt).

The page is plain text copied from the documentation site. Each operation starts with a
line holding only the HTTP method, then a line with the path and a summary, then
"Parameters", "Example Request", "Responses" (each code listed twice) and "Example
Response" sections. This module turns it into data the tests compare the spec with.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE = Path(__file__).parent / "fixtures" / "callmeback-api-docs.txt"
METHODS = ("GET", "POST", "PATCH", "DELETE", "PUT")
STATUS_LINE = re.compile(r"^(\d{3}) (.+)$")


@dataclass
class DocumentedOperation:
    """One operation as the page documents it."""

    method: str
    path: str
    summary: str
    statuses: set[int] = field(default_factory=set)
    body_attributes: dict[str, str] = field(default_factory=dict)
    example_request: Any = None
    example_status: int | None = None
    example_response: Any = None


def _json_block(lines: list[str], start: int) -> tuple[Any, int]:
    """Parse the JSON value that starts at lines[start]; return it and the next index."""
    depth = 0
    for end in range(start, len(lines)):
        depth += lines[end].count("{") + lines[end].count("[")
        depth -= lines[end].count("}") + lines[end].count("]")
        if depth == 0:
            return json.loads("\n".join(lines[start : end + 1])), end + 1
    raise ValueError(f"unterminated JSON block from line {start + 1}")


def read_page(page: Path = PAGE) -> list[DocumentedOperation]:
    """Every operation on the page, in page order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    operations: list[DocumentedOperation] = []
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line in METHODS and i + 1 < len(lines) and lines[i + 1].startswith("/"):
            path, _, summary = lines[i + 1].partition(" ")
            operations.append(DocumentedOperation(method=line, path=path, summary=summary.strip()))
            section = ""
            i += 2
            continue
        if not operations:
            i += 1
            continue
        current = operations[-1]
        if line in ("Parameters", "Example Request", "Responses", "Example Response"):
            section = line
        elif section == "Parameters" and re.fullmatch(r"[a-z_0-9]+ [a-z]+", line):
            name, kind = line.split(" ")
            current.body_attributes[name] = kind
        elif section == "Example Request" and line == "{":
            current.example_request, i = _json_block(lines, i)
            continue
        elif section == "Responses" and (match := STATUS_LINE.match(line)):
            current.statuses.add(int(match.group(1)))
        elif section == "Example Response" and line.startswith("HTTP/1.1 "):
            current.example_status = int(line.split(" ")[1])
        elif section == "Example Response" and line == "{":
            current.example_response, i = _json_block(lines, i)
            continue
        i += 1
    return operations
