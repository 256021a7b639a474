"""The public surface of voipstudio_callmeback: `__all__` and the tree of errors."""

from __future__ import annotations

import re
import types

import pytest
import voipstudio_callmeback
from voipstudio_callmeback import _exceptions, _resources
from voipstudio_callmeback._resources import OPERATION_METHODS, RESOURCE_ITEMS
from voipstudio_callmeback_client import models
from voipstudio_callmeback_client.operations import OPERATIONS

# The package's hand-written public names as released; a change here is a change of the API.
HAND_WRITTEN_NAMES = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "UNSET",
    "APIConnectionError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCallMeBack",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "CallMeBack",
    "CallMeBackError",
    "Filter",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "ResponseTooLargeError",
    "SyncPaginator",
    "UnexpectedResponseError",
    "Unset",
    "format_timestamp",
    "parse_timestamp",
    "record_waits",
]


def spec_names() -> dict[str, object]:
    """The generated names the package must re-export, read from the spec's operations: the model of
    every resource's items, the TypedDict of every resource method's request body, and every other name
    the generated resource module takes from the models for its signatures (the `sort` enums of lists)."""
    names: dict[str, object] = {model.__name__: model for model in RESOURCE_ITEMS.values()}
    for operation_id in OPERATION_METHODS:
        body = OPERATIONS[operation_id].body
        if body is not None:
            names[body.params.__name__] = body.params
    for name, value in vars(_resources).items():
        if not name.startswith("_") and getattr(models, name, None) is value:
            names[name] = value
    return names


# Each error and the public class it derives from, as the docstrings draw the tree.
ERROR_PARENTS: dict[str, str | None] = {
    "CallMeBackError": None,
    "APIConnectionError": "CallMeBackError",
    "APITimeoutError": "APIConnectionError",
    "APIStatusError": "CallMeBackError",
    "BadRequestError": "APIStatusError",
    "AuthenticationError": "APIStatusError",
    "PermissionDeniedError": "APIStatusError",
    "NotFoundError": "APIStatusError",
    "RateLimitError": "APIStatusError",
    "InternalServerError": "APIStatusError",
    "UnexpectedResponseError": "CallMeBackError",
    "ResponseTooLargeError": "CallMeBackError",
}

# A line of the drawn tree: the guides (`│`, `├──`, `└──`) and then a class name.
TREE_LINE = re.compile(r"^(?P<guides>[ │├└─]*)(?P<name>[A-Za-z]+Error)\b")


def isort_order(name: str) -> tuple[int, str]:
    """The order of ruff's RUF022 (isort style): CONSTANTS, then CamelCase, then everything else, each sorted."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def error_classes() -> dict[str, type[BaseException]]:
    """The exception classes that `__all__` exports, by name."""
    found: dict[str, type[BaseException]] = {}
    for name in voipstudio_callmeback.__all__:
        value = getattr(voipstudio_callmeback, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            found[name] = value
    return found


def drawn_tree(docstring: str) -> dict[str, str | None]:
    """Each class of the tree a docstring draws, and the class drawn as its parent."""
    lines = docstring.splitlines()
    start = next(index for index, line in enumerate(lines) if line.strip() == "CallMeBackError")
    root_column = lines[start].index("CallMeBackError")
    parents: dict[str, str | None] = {}
    ancestry: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            break
        found = TREE_LINE.match(line[root_column:])
        assert found, f"not a line of the tree: {line!r}"
        columns = len(found.group("guides"))
        assert columns % 4 == 0, f"misaligned: {line!r}"
        depth = columns // 4
        assert depth <= len(ancestry), f"skips a level: {line!r}"
        del ancestry[depth:]
        parents[found.group("name")] = ancestry[-1] if ancestry else None
        ancestry.append(found.group("name"))
    return parents


def test_all_is_pinned() -> None:
    """`__all__` lists exactly the hand-written names and what the spec's resources need, sorted."""
    exported = set(voipstudio_callmeback.__all__)
    needed = spec_names()
    missing = sorted(set(needed) - exported)
    assert not missing, (
        f"voipstudio_callmeback does not re-export {', '.join(missing)}, which the spec's resources return or take: "
        "import them in overlays/voipstudio_callmeback/__init__.py and add them to its __all__"
    )
    unknown = sorted(exported - set(needed) - set(HAND_WRITTEN_NAMES))
    assert not unknown, (
        f"voipstudio_callmeback exports {', '.join(unknown)}, which is neither hand-written nor of the spec's "
        "resources: remove it from overlays/voipstudio_callmeback/__init__.py (a breaking change: a major version) "
        "or add it to HAND_WRITTEN_NAMES here"
    )
    assert list(voipstudio_callmeback.__all__) == sorted(exported, key=isort_order)


def test_spec_names_are_the_generated_objects() -> None:
    """The re-exported models and TypedDicts are the generated package's own, not copies."""
    for name, generated in spec_names().items():
        assert getattr(voipstudio_callmeback, name) is generated, name


def test_all_is_sorted() -> None:
    """`__all__` is sorted as ruff's RUF022 sorts it: constants, then classes, then functions."""
    names = list(voipstudio_callmeback.__all__)
    assert names == sorted(names, key=isort_order)
    assert len(names) == len(set(names))


def test_all_is_complete() -> None:
    """Every public name of the package namespace (no submodule) is in `__all__`, and every name there exists."""
    public = {
        name
        for name, value in vars(voipstudio_callmeback).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(voipstudio_callmeback.__all__)
    for name in voipstudio_callmeback.__all__:
        assert hasattr(voipstudio_callmeback, name), name


def test_every_exported_error_is_a_callmeback_error() -> None:
    """Every error class in `__all__` derives from CallMeBackError, and all of them are documented."""
    classes = error_classes()
    assert set(classes) == set(ERROR_PARENTS)
    for name, cls in classes.items():
        assert issubclass(cls, voipstudio_callmeback.CallMeBackError), name


@pytest.mark.parametrize("name", sorted(ERROR_PARENTS))
def test_each_error_has_its_documented_parent(name: str) -> None:
    """The nearest public ancestor of each error is the one the documentation names."""
    classes = error_classes()
    cls = classes[name]
    parent = ERROR_PARENTS[name]
    public_ancestors = [base.__name__ for base in cls.__mro__[1:] if classes.get(base.__name__) is base]
    if parent is None:
        assert public_ancestors == []
        assert cls.__mro__[1] is Exception
    else:
        assert public_ancestors[0] == parent
        assert issubclass(cls, classes[parent])


@pytest.mark.parametrize("module", [voipstudio_callmeback, _exceptions], ids=["package", "_exceptions"])
def test_the_docstring_draws_the_error_tree(module: types.ModuleType) -> None:
    """The module docstring names every error and draws each under its real parent."""
    docstring = module.__doc__
    assert docstring is not None
    for name in ERROR_PARENTS:
        assert name in docstring, name
    assert drawn_tree(docstring) == ERROR_PARENTS


def test_the_drawn_tree_is_read_as_drawn() -> None:
    """The reader of drawn trees finds the parents of a small tree, nested two deep."""
    drawing = "Errors:\n\n    CallMeBackError\n    ├── AError    a\n    │   └── BError    b\n    └── CError\n\nMore."
    assert drawn_tree(drawing) == {
        "CallMeBackError": None,
        "AError": "CallMeBackError",
        "BError": "AError",
        "CError": "CallMeBackError",
    }
