"""openapi.yaml in TypeScript: two generators, and tsc --strict over code that uses every operation.

openapi-typescript (types only) and openapi-generator's typescript-fetch (a client) each
generate into a temporary directory; a hand-written usage file per generator
(tests/typescript/) calls or typechecks all operations and is compiled with
`tsc --noEmit --strict`. The generators must print no warning and the compiler no error.

openapi-generator 7.26.0 warns ("Failed to get the schema name: null") on every inline
response example (`ExamplesUtils.unaliasExamples` looks up a null `$ref`), so the spec keeps
its response examples in `components/examples`; `tests/test_spec.py` holds it to that. It
prints the same line once more for a free-form object (a map) among the branches of an
`anyOf`, which `ErrorResponse.errors` holds (`FieldErrors`) and no spec change can avoid short
of dropping that branch; that one line is the only warning allowed, and
`test_the_allowed_warning_is_the_generators_own` fails the day the generator stops printing it.

openapi-typescript runs Redocly's lint with the `redocly.yaml` of its working directory, which
here is this project's strict one without the accepted findings of `.redocly.lint-ignore.yaml`
(`scripts/lint` runs that lint); it runs in a directory of its own, as another team's would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, SPEC_PATH, load_spec, operations

NODE_BIN = ROOT / "node_modules" / ".bin"
TSC = NODE_BIN / "tsc"
OPENAPI_TYPESCRIPT = NODE_BIN / "openapi-typescript"
OPENAPI_GENERATOR = Path(sys.executable).with_name("openapi-generator-cli")
USAGE_DIR = ROOT / "tests" / "typescript"
BASE_TSCONFIG = USAGE_DIR / "tsconfig.json"
OPENAPI_TYPESCRIPT_USAGE = USAGE_DIR / "openapi-typescript-usage.ts"
TYPESCRIPT_FETCH_USAGE = USAGE_DIR / "typescript-fetch-usage.ts"
TIMEOUT_SECONDS = 180

# What makes typescript-fetch's output reproducible and the run self-contained: ES6 code,
# additionalProperties read as the OpenAPI specification defines it, validation kept strict.
TYPESCRIPT_FETCH_OPTIONS = (
    "--strict-spec",
    "true",
    "--additional-properties",
    "supportsES6=true,disallowAdditionalPropertiesIfNotPresent=false",
)
# A warning word (not part of a longer name such as a temporary directory's), or the sign.
WARNING = re.compile(r"\bwarn(ing)?s?\b|⚠", re.IGNORECASE)


# The generator bug described in the module docstring (a map among an anyOf's branches), and only it.
ALLOWED_WARNING = "[main] WARN  o.o.codegen.utils.ModelUtils - Failed to get the schema name: null"
# The smallest spec that makes openapi-generator print it: a free-form object in an anyOf.
MAP_IN_ANY_OF = {
    "openapi": "3.0.3",
    "info": {"title": "map in anyOf", "version": "1"},
    "paths": {
        "/thing": {
            "get": {
                "operationId": "getThing",
                "responses": {
                    "200": {
                        "description": "A thing.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "errors": {
                        "anyOf": [
                            {"type": "array", "items": {"type": "string"}},
                            {"$ref": "#/components/schemas/Map"},
                        ]
                    }
                },
            },
            "Map": {"type": "object", "additionalProperties": True},
        }
    },
}


def _run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a tool without a shell; stdout and stderr are captured as text."""
    env = {name: value for name, value in os.environ.items() if name not in {"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"}}
    env.pop("TS_POST_PROCESS_FILE", None)  # typescript-fetch would run it on every file
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def _warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of a tool's output (stdout and stderr) that warn."""
    return [line for line in (result.stdout + result.stderr).splitlines() if WARNING.search(line)]


def _unexpected_warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The warnings but the generator's own bug (module docstring), which may appear once."""
    found = _warnings(result)
    if found.count(ALLOWED_WARNING) == 1:
        found.remove(ALLOWED_WARNING)
    return found


def _generate_typescript_fetch(spec: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """typescript-fetch from this spec into `out`; validation stays on (no --skip-validate-spec)."""
    result = _run(
        OPENAPI_GENERATOR, "generate", "-i", spec, "-g", "typescript-fetch", "-o", out, *TYPESCRIPT_FETCH_OPTIONS
    )
    assert result.returncode == 0, _output(result)
    return result


def _compile(work: Path, usage: Path, module: str, target: str) -> subprocess.CompletedProcess[str]:
    """tsc --noEmit --strict over the usage file, with `module` mapped to the generated `target` (relative to work)."""
    tsconfig = work / "tsconfig.json"
    tsconfig.write_text(
        json.dumps(
            {
                "extends": str(BASE_TSCONFIG),
                "compilerOptions": {"paths": {module: [target]}},
                "files": [str(usage)],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return _run(TSC, "--noEmit", "--strict", "--pretty", "false", "-p", tsconfig)


def _api_class(tag: str) -> str:
    """The class typescript-fetch generates for a tag: its words capitalised and joined, then `Api`."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", tag)) + "Api"


def _tags(operation: dict[str, Any]) -> list[str]:
    """An operation's tags; typescript-fetch puts an operation without one in DefaultApi."""
    return list(operation.get("tags") or ["default"])


def _checked_code(usage: Path) -> str:
    """The lines of a usage file that must compile: no comment, and no line a `@ts-expect-error` expects to fail."""
    lines: list[str] = []
    expecting_error = False
    for line in usage.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith(("//", "/*", "*")):
            expecting_error = expecting_error or "@ts-expect-error" in stripped
            continue
        if expecting_error:
            expecting_error = not stripped  # the directive covers the next line that holds code
            continue
        lines.append(line)
    return "\n".join(lines)


def _where(usage: Path) -> Path:
    return usage.relative_to(ROOT)


def test_usage_files_cover_every_operation() -> None:
    """Each usage file uses every operationId of the spec, so a new operation cannot go unchecked."""
    spec_operations = operations(load_spec())
    assert spec_operations, "openapi.yaml has no operation"
    types_usage = _checked_code(OPENAPI_TYPESCRIPT_USAGE)
    fetch_usage = _checked_code(TYPESCRIPT_FETCH_USAGE)
    missing: list[str] = []
    for (method, path), operation in sorted(spec_operations.items(), key=lambda entry: entry[1]["operationId"]):
        operation_id = operation["operationId"]
        if f'operations["{operation_id}"]' not in types_usage:
            missing.append(
                f'typecheck {operation_id} in {_where(OPENAPI_TYPESCRIPT_USAGE)}: add `Expect<Equal<operations["'
                f'{operation_id}"], paths["{path}"]["{method.lower()}"]>>` to OperationChecks'
            )
        if not re.search(rf'\bcall\([^;]*"{method.lower()}",\s*"{re.escape(path)}"', types_usage, re.DOTALL):
            missing.append(
                f"call {operation_id} in {_where(OPENAPI_TYPESCRIPT_USAGE)}: add `call(baseUrl, credentials, "
                f'"{method.lower()}", "{path}", {{...}})` to everyOperation'
            )
        if f".{operation_id}(" not in fetch_usage:
            api = _api_class(_tags(operation)[0])
            missing.append(
                f"call {operation_id} in {_where(TYPESCRIPT_FETCH_USAGE)}: add `new {api}(config).{operation_id}(...)` "
                "to everyOperation, with its answer pinned in AnswerChecks"
            )
    assert not missing, "\n".join(missing)


def test_openapi_typescript_types_compile_with_every_operation(tmp_path: Path) -> None:
    """openapi-typescript generates without a warning, and the usage file compiles under tsc --strict."""
    generated = _run(OPENAPI_TYPESCRIPT, SPEC_PATH, "-o", tmp_path / "schema.d.ts", cwd=tmp_path)
    assert generated.returncode == 0, _output(generated)
    assert _warnings(generated) == [], _output(generated)
    assert (tmp_path / "schema.d.ts").is_file(), _output(generated)

    compiled = _compile(tmp_path, OPENAPI_TYPESCRIPT_USAGE, "@generated/openapi-typescript", "./schema")
    assert compiled.returncode == 0, _output(compiled)
    assert compiled.stdout == "", _output(compiled)


def test_typescript_fetch_client_compiles_with_every_operation(tmp_path: Path) -> None:
    """typescript-fetch generates with no warning, and the usage file compiles."""
    generated = _generate_typescript_fetch(SPEC_PATH, tmp_path / "fetch")
    assert _unexpected_warnings(generated) == [], _output(generated)
    apis = sorted(path.name for path in (tmp_path / "fetch" / "apis").glob("*Api.ts"))
    tags = {tag for operation in operations(load_spec()).values() for tag in _tags(operation)}
    assert apis == sorted(f"{_api_class(tag)}.ts" for tag in tags), apis

    compiled = _compile(tmp_path, TYPESCRIPT_FETCH_USAGE, "@generated/typescript-fetch", "./fetch/index")
    assert compiled.returncode == 0, _output(compiled)
    assert compiled.stdout == "", _output(compiled)


@pytest.mark.parametrize("generator", ["openapi-typescript", "typescript-fetch"])
def test_generators_are_deterministic(tmp_path: Path, generator: str) -> None:
    """Two runs of a generator on openapi.yaml write byte-identical files."""
    outputs: list[dict[str, bytes]] = []
    for run in ("first", "second"):
        out = tmp_path / run
        if generator == "openapi-typescript":
            result = _run(OPENAPI_TYPESCRIPT, SPEC_PATH, "-o", out / "schema.d.ts", cwd=tmp_path)
            assert result.returncode == 0, _output(result)
        else:
            _generate_typescript_fetch(SPEC_PATH, out)
        outputs.append({str(file.relative_to(out)): file.read_bytes() for file in out.rglob("*") if file.is_file()})
    assert outputs[0].keys() == outputs[1].keys()
    assert [name for name in outputs[0] if outputs[0][name] != outputs[1][name]] == []


def test_the_allowed_warning_is_the_generators_own(tmp_path: Path) -> None:
    """openapi-generator prints the one allowed warning for a map among an anyOf's branches in any spec:
    when it stops, ALLOWED_WARNING and its paragraph in the module docstring go."""
    spec = tmp_path / "map-in-any-of.json"
    spec.write_text(json.dumps(MAP_IN_ANY_OF), encoding="utf-8")
    generated = _generate_typescript_fetch(spec, tmp_path / "fetch")
    assert _warnings(generated) == [ALLOWED_WARNING], _output(generated)
