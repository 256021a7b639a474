"""The method convention the sandbox serves by and the client's resource methods are placed by.

One definition, shared at build time by scripts/lib/join.py (the client's resources) and at
run time by the sandbox (its handlers), so that the sandbox serves every operation the
client reaches, under the same name: an operation on `/.../things` is `list` (GET) or
`create` (POST) of the collection `things`, on `/.../things/{id}` it is `get`, `update`
or `delete` of one of its items. Public, so that the generator and the benchmarks do not
reach into the sandbox's private modules; the client package itself never imports it.
"""

from __future__ import annotations

from ._model import Method, place, resolved, snake_case

__all__ = ["Method", "place", "resolved", "snake_case"]
