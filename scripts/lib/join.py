"""The join: the modules scripts/regenerate writes beside openapi-python-client's output.

openapi-python-client makes one module per operation and one attrs class per schema.
What it does not make is a description of the API that hand-written code can build on
without restating it. From the spec, and from the generator's own reading of it (for
every Python name: modules, classes, parameters), this module renders:

- `generated/voipstudio_callmeback_client/operations.py`: OPERATIONS, one entry per
  operationId: method, path, parameters and request body with their JSON schemas, the
  success status and the models of every documented answer, and `build`, the
  generated function that turns arguments into the request. This is the public join:
  the overlay and the command line read it instead of private functions of the
  generated modules and instead of statuses, fields and bounds written by hand.
- `generated/voipstudio_callmeback_client/params.py`: one TypedDict per JSON request
  body (`SettingCreateParams`), the keyword arguments of `create()` and `update()`.
- `generated/voipstudio_callmeback_client/schemas.py`: the JSON schema of every model
  (references resolved), by class name, which the overlay checks answers against.
- `overlays/voipstudio_callmeback/_resources.py`: the resource classes of the sync and
  the async client, rendered from one template, one method per operation by
  convention (see `classify`), with the spec's words as docstrings.
- `api.md`: the reference of every resource method, with the per-call options, raw
  answers and requests past the spec, as Stainless SDKs ship it.

Operations named in `overlays/exempt-operations.toml` get no resource method; every
other operation that fits no convention is left out too, and tests/test_resources_cover_spec.py
fails naming it and the files to edit.
"""

from __future__ import annotations

import keyword
import textwrap
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voipstudio_callmeback_sandbox.convention import place

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "voipstudio_callmeback_client"
JOIN_TEMPLATES = "join"  # under templates/
# The modules of the join, each rendered from templates/join/<name>.jinja.
MODULES = ("operations.py", "params.py", "resources.py", "decoders.py", "schemas.py", "api.md")
EXEMPT = ROOT / "overlays" / "exempt-operations.toml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keys of a schema that describe examples, not values: left out of the copies in operations.py.
EXAMPLE_KEYS = frozenset({"example", "examples"})
# The keywords every resource method takes besides the operation's own (overlays' RequestOptions, and the
# async list's prefetch): a parameter or body field of the same name would be shadowed, so the join refuses it.
# tests/test_resources_cover_spec.py holds this to voipstudio_callmeback._types.RequestOptions.
RESERVED_KEYWORDS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout", "max_retries", "prefetch"})
# The largest values of integer formats: bounds that only restate the format are not worth a word in help.
FORMAT_LIMITS = {("int32", "maximum"): 2**31 - 1, ("int64", "maximum"): 2**63 - 1}


class JoinError(Exception):
    """The spec cannot be joined with the generator's output (a message for the maintainer)."""


# --- plain data for the templates ------------------------------------------------------------


@dataclass
class Field:
    """A property of a JSON request body: a key of its TypedDict."""

    name: str
    annotation: str  # the Python type of the JSON value, as code
    required: bool
    description: str
    bounds: str  # "1 to 7", "" when the schema states none worth saying


@dataclass
class BodyInfo:
    model: str  # the generated attrs class
    params: str  # the TypedDict of its fields
    media_type: str
    required: bool
    description: str
    schema: dict[str, Any]
    fields: list[Field]

    @property
    def keys_are_identifiers(self) -> bool:
        """Whether every field name can be written as a class attribute (else: the functional TypedDict syntax)."""
        return all(name.isidentifier() and not keyword.iskeyword(name) for name in (f.name for f in self.fields))


@dataclass
class ParamInfo:
    name: str
    python_name: str  # the keyword of the generated function
    keyword: str  # the keyword of the resource method
    location: str
    required: bool
    description: str
    schema: dict[str, Any]
    annotation: str  # the Python type of the resource method's argument, as code
    imports: list[str]  # names the annotation needs from the generated models

    @property
    def bounds(self) -> str:
        return bounds(self.schema)


@dataclass
class ResponseInfo:
    status: int
    model: str | None  # None: no body
    description: str


@dataclass
class OperationInfo:
    id: str
    tag: str
    method: str
    path: str
    summary: str
    description: str
    module: str  # e.g. api.settings.create_setting
    alias: str  # the name operations.py imports the module as
    authenticated: bool
    parameters: list[ParamInfo]
    body: BodyInfo | None
    responses: list[ResponseInfo]
    success: ResponseInfo
    response_schema: dict[str, Any] | None  # of the success answer

    @property
    def path_parameters(self) -> list[ParamInfo]:
        return [p for p in self.parameters if p.location == "path"]

    @property
    def query_parameters(self) -> list[ParamInfo]:
        return [p for p in self.parameters if p.location == "query"]


@dataclass
class MethodInfo:
    name: str  # list, get, create, update, delete
    operation: OperationInfo
    item: str | None  # the model a call returns (or pages hold); None for delete
    arguments: list[ParamInfo] = field(default_factory=list)  # list: its query parameters but page


@dataclass
class ResourceInfo:
    attribute: str
    class_name: str
    description: str
    methods: dict[str, MethodInfo] = field(default_factory=dict)

    @property
    def item(self) -> str | None:
        for method in self.methods.values():
            if method.item is not None:
                return method.item
        return None

    @property
    def types(self) -> list[str]:
        """The generated names its methods return or take (api.md's imports): the item, the request TypedDicts,
        the enums of the list's parameters."""
        names: set[str] = set()
        for method in self.methods.values():
            if method.operation.body is not None and method.name in ("create", "update"):
                names.add(method.operation.body.params)
            for argument in method.arguments:
                names.update(argument.imports)
        return ([self.item] if self.item else []) + sorted(names - {self.item})


@dataclass
class Join:
    operations: list[OperationInfo]
    resources: list[ResourceInfo]
    exempt: dict[str, str]
    unmapped: dict[str, str]  # operationId -> why no convention fits it
    tags: dict[str, str]  # tag -> its description
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # model class -> its JSON schema, resolved

    @property
    def model_imports(self) -> list[str]:
        """The generated models the resources module names."""
        names = set()
        for resource in self.resources:
            for method in resource.methods.values():
                if method.item:
                    names.add(method.item)
                for argument in method.arguments:
                    names.update(argument.imports)
        return sorted(names)

    @property
    def params(self) -> list[BodyInfo]:
        """Each request body model once, in the order of the operations."""
        seen: dict[str, BodyInfo] = {}
        for operation in self.operations:
            if operation.body is not None:
                seen.setdefault(operation.body.params, operation.body)
        return list(seen.values())


# --- reading the spec ----------------------------------------------------------------------


def resolve(document: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """node with every local $ref replaced by its target, and examples left out."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise JoinError(f"the schema {ref} refers to itself; operations.py cannot copy it")
            target: Any = document
            for token in ref[2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            return resolve(document, target, (*seen, ref))
        return {key: resolve(document, value, seen) for key, value in node.items() if key not in EXAMPLE_KEYS}
    if isinstance(node, list):
        return [resolve(document, item, seen) for item in node]
    return node


def spec_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(METHOD, path, path item, operation) for every operation, in the document's order."""
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item, item[method]


def json_annotation(schema: dict[str, Any]) -> str:
    """The Python type of a JSON value the schema allows, as code (a TypedDict value type)."""
    if "enum" in schema and all(isinstance(value, str | int | bool) for value in schema["enum"]):
        annotation = f"Literal[{', '.join(repr(value) for value in schema['enum'] if value is not None)}]"
    else:
        kind = schema.get("type")
        if kind == "array":
            annotation = f"list[{json_annotation(schema.get('items') or {})}]"
        else:
            annotation = {
                "string": "str",
                "integer": "int",
                "number": "float",
                "boolean": "bool",
                "object": "dict[str, Any]",
            }.get(kind or "", "Any")
    if schema.get("nullable") and annotation != "Any":
        annotation += " | None"
    return annotation


def bounds(schema: dict[str, Any]) -> str:
    """The schema's bounds in words: "0 to 7", "at least 1", "1 to 64 characters"; "" when none."""
    fmt = str(schema.get("format"))
    low, high = schema.get("minimum"), schema.get("maximum")
    if high is not None and FORMAT_LIMITS.get((fmt, "maximum")) == high:
        high = None
    words = ""
    if low is not None and high is not None:
        words = f"{low} to {high}"
    elif low is not None:
        words = f"at least {low}"
    elif high is not None:
        words = f"at most {high}"
    short, long = schema.get("minLength"), schema.get("maxLength")
    if short is not None or long is not None:
        if short is not None and long is not None:
            length = f"{short} to {long} characters"
        elif short is not None:
            length = f"at least {short} character{'s' if short != 1 else ''}"
        else:
            length = f"at most {long} characters"
        words = f"{words}, {length}" if words else length
    return words


# --- the generator's view ------------------------------------------------------------------


def text(value: Any) -> str:
    """The plain text of one of the generator's wrapped strings (UntrustedString, PythonCode)."""
    if value is None:
        return ""
    if hasattr(value, "get_untrusted_value"):
        return str(value.get_untrusted_value())
    if hasattr(value, "as_unembedded_code"):
        return str(value.as_unembedded_code())
    return str(value)


def class_name(prop: Any) -> str | None:
    """The generated class a property is an instance of (a model or an enum), or None."""
    info = getattr(prop, "class_info", None)
    return None if info is None else str(info.name)


def generator_endpoints(generator_data: Any) -> dict[tuple[str, str], tuple[str, Any]]:
    """(METHOD, path) -> (tag module name, endpoint) from the generator's reading of the spec."""
    found = {}
    for tag, collection in generator_data.endpoint_collections_by_tag.items():
        for endpoint in collection.endpoints:
            found[(endpoint.method.upper(), text(endpoint.path))] = (str(tag), endpoint)
    return found


# --- building the join ---------------------------------------------------------------------


def read_exempt(path: Path = EXEMPT) -> dict[str, str]:
    """operationId -> the reason it has no resource method."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise JoinError(f"{path.relative_to(ROOT)} is not valid TOML: {exc}") from exc
    exempt = {}
    for operation_id, reason in data.items():
        if not isinstance(reason, str) or not reason.strip():
            raise JoinError(f"{path.relative_to(ROOT)}: {operation_id} needs its reason as a string")
        exempt[operation_id] = reason.strip()
    return exempt


def method_keyword(name: str, python_name: str) -> str:
    """A resource method's keyword for a parameter: its JSON name where Python allows it."""
    return name if name.isidentifier() and not keyword.iskeyword(name) else python_name


def build_operation(
    document: dict[str, Any], method: str, path: str, item: dict[str, Any], operation: dict[str, Any], endpoint: Any
) -> OperationInfo:
    operation_id = operation.get("operationId")
    if not operation_id:
        raise JoinError(f"{method} {path} has no operationId; every operation needs one")
    generated = {text(p.name): p for p in [*endpoint.path_parameters, *endpoint.query_parameters]}
    generated |= {text(p.name): p for p in [*endpoint.header_parameters, *endpoint.cookie_parameters]}
    parameters = []
    declared = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(document, raw)
        declared[(parameter["in"], parameter["name"])] = parameter
    for (location, name), parameter in declared.items():
        prop = generated.get(name)
        if prop is None:
            raise JoinError(f"{operation_id}: the generator made no argument for the {location} parameter {name!r}")
        schema = parameter.get("schema") or {}
        annotation = text(prop.get_type_string(no_optional=True))
        imported = class_name(prop)
        parameters.append(
            ParamInfo(
                name=name,
                python_name=str(prop.python_name),
                keyword=method_keyword(name, str(prop.python_name)),
                location=location,
                required=bool(parameter.get("required")),
                description=parameter.get("description") or schema.get("description") or "",
                schema=schema,
                annotation=annotation,
                imports=[imported] if imported else [],
            )
        )
    body = None
    request_body = resolve(document, operation.get("requestBody")) if "requestBody" in operation else None
    if request_body is not None:
        generated_bodies = [b for b in endpoint.bodies if text(b.content_type) == "application/json"]
        model = class_name(generated_bodies[0].prop) if generated_bodies else None
        schema = (request_body.get("content") or {}).get("application/json", {}).get("schema")
        if model is None or not isinstance(schema, dict) or schema.get("type") != "object":
            raise JoinError(f"{operation_id}: only JSON object request bodies are supported")
        required = set(schema.get("required", []))
        body = BodyInfo(
            model=model,
            params=f"{model}Params",
            media_type="application/json",
            required=bool(request_body.get("required")),
            description=schema.get("description") or request_body.get("description") or "",
            schema=schema,
            fields=[
                Field(
                    name=name,
                    annotation=json_annotation(prop),
                    required=name in required,
                    description=prop.get("description") or "",
                    bounds=bounds(prop),
                )
                for name, prop in (schema.get("properties") or {}).items()
            ],
        )
    responses = []
    generated_responses = {response.status_code.range: response for response in endpoint.responses.patterns}
    for status, raw in operation.get("responses", {}).items():
        if not str(status).isdigit():
            continue
        response = resolve(document, raw)
        produced = generated_responses.get((int(status), int(status)))
        model = class_name(produced.prop) if produced is not None else None
        responses.append(ResponseInfo(status=int(status), model=model, description=response.get("description", "")))
    successes = [response for response in responses if 200 <= response.status < 300]
    if not successes:
        raise JoinError(f"{operation_id} documents no success status")
    success = min(successes, key=lambda response: response.status)
    success_schema = None
    for status, raw in operation.get("responses", {}).items():
        if str(status) == str(success.status):
            content = (resolve(document, raw).get("content") or {}).get("application/json")
            success_schema = None if content is None else content.get("schema")
    security = operation.get("security", document.get("security", []))
    tag = (operation.get("tags") or ["default"])[0]
    module_name = str(endpoint.name)
    return OperationInfo(
        id=operation_id,
        tag=tag,
        method=method,
        path=path,
        summary=operation.get("summary") or "",
        description=operation.get("description") or "",
        module=module_name,
        alias=module_name,
        authenticated=bool(security) and security != [{}],
        parameters=parameters,
        body=body,
        responses=responses,
        success=success,
        response_schema=success_schema,
    )


def answers_a_page(operation: OperationInfo) -> bool:
    """Whether the success answer is a page of a collection: {"data": [...], "total": N}."""
    properties = (operation.response_schema or {}).get("properties") or {}
    data, total = properties.get("data") or {}, properties.get("total") or {}
    return data.get("type") == "array" and total.get("type") == "integer" and operation.success.model is not None


def classify(operation: OperationInfo) -> tuple[str, str] | str:
    """(resource, method) by convention, or why the operation fits none.

    A collection path (`/.../things`, no parameter) answers `list` (GET, a page with `page`
    and `limit`) and `create` (POST, a JSON body); an item path (`/.../things/{id}`, one
    path parameter) answers `get` (GET), `update` (PATCH or PUT, a JSON body) and `delete`
    (DELETE). The resource is named after `things`. The path and the method are placed by the
    sandbox's `place` (the convention's one definition, so the sandbox serves what the client
    reaches); the rest are what the client's methods need.
    """
    placed = place(operation.path, operation.method, len(operation.path_parameters))
    if isinstance(placed, str):
        return placed
    resource, method = placed
    if method in ("create", "update") and operation.body is None:
        return f"a {method} needs a JSON request body"
    if method in ("get", "delete") and operation.body is not None:
        return f"a {method} takes no request body"
    if method == "list":
        names = {p.name for p in operation.query_parameters}
        if "page" not in names or not answers_a_page(operation):
            return "a list answers a page ({data: [...], total: N}) and takes a page parameter"
    if method != "delete" and operation.success.model is None:
        return f"a {method} answers with a body"
    return resource, method


def returned_item(operation: OperationInfo, method: str, generator_data: Any) -> str | None:
    """The model a resource method returns: the `data` of an envelope, the items of a page, or the answer itself."""
    if method == "delete":
        return None
    models = {str(model.class_info.name): model for model in generator_data.models}
    answer = models.get(operation.success.model or "")
    if answer is None:
        return operation.success.model
    for prop in [*answer.required_properties, *answer.optional_properties]:
        if text(prop.name) != "data":
            continue
        inner = getattr(prop, "inner_property", None)
        found = class_name(inner) if method == "list" and inner is not None else class_name(prop)
        if found is not None:
            return found
    return None if method == "list" else operation.success.model


def build_join(document: dict[str, Any], generator_data: Any, exempt: dict[str, str]) -> Join:
    """The join of the spec with the generator's reading of it."""
    endpoints = generator_endpoints(generator_data)
    operations = []
    for method, path, item, raw in spec_operations(document):
        found = endpoints.get((method, path))
        if found is None:
            raise JoinError(f"the generator made no module for {method} {path}")
        operations.append(build_operation(document, method, path, item, raw, found[1]))
        operations[-1].module = f"api.{found[0]}.{operations[-1].module}"
    ids = [operation.id for operation in operations]
    duplicates = sorted({operation_id for operation_id in ids if ids.count(operation_id) > 1})
    if duplicates:
        raise JoinError(f"operationIds used twice: {', '.join(duplicates)}")
    unknown = sorted(set(exempt) - set(ids))
    if unknown:
        raise JoinError(
            f"{EXEMPT.relative_to(ROOT)} names operations the spec does not have: {', '.join(unknown)}; "
            "remove them from that file"
        )
    tag_descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    resources: dict[str, ResourceInfo] = {}
    unmapped: dict[str, str] = {}
    for operation in operations:
        if operation.id in exempt:
            continue
        placed = classify(operation)
        if isinstance(placed, str):
            unmapped[operation.id] = placed
            continue
        attribute, method = placed
        resource = resources.setdefault(
            attribute,
            ResourceInfo(
                attribute=attribute,
                class_name="".join(part.capitalize() for part in attribute.split("_")),
                description=tag_descriptions.get(operation.tag, "") or operation.tag,
            ),
        )
        if method in resource.methods:
            unmapped[operation.id] = (
                f"{resource.attribute}.{method}() is already {resource.methods[method].operation.id}"
            )
            continue
        arguments = [p for p in operation.query_parameters if p.name != "page"] if method == "list" else []
        taken = sorted(
            (
                {p.keyword for p in [*arguments, *operation.path_parameters]}
                | {f.name for f in (operation.body.fields if operation.body else [])}
            )
            & RESERVED_KEYWORDS
        )
        if taken:
            raise JoinError(
                f"{operation.id}: {', '.join(taken)} would be a keyword of {attribute}.{method}() twice (every method "
                "takes it as a per-call option); rename the parameter or field in the spec"
            )
        resource.methods[method] = MethodInfo(
            name=method,
            operation=operation,
            item=returned_item(operation, method, generator_data),
            arguments=arguments,
        )
    order = ("list", "get", "create", "update", "delete")
    for resource in resources.values():
        resource.methods = dict(sorted(resource.methods.items(), key=lambda pair: order.index(pair[0])))
    return Join(
        operations=operations,
        resources=list(resources.values()),
        exempt=exempt,
        unmapped=unmapped,
        tags=tag_descriptions,
        schemas=model_schemas(document, generator_data, operations),
    )


def model_schemas(
    document: dict[str, Any], generator_data: Any, operations: list[OperationInfo]
) -> dict[str, dict[str, Any]]:
    """The JSON schema of every generated model, by class name, references resolved and prose left out: a
    component's own schema, or for a model the generator made from an answer's inline schema, that schema."""
    found: dict[str, dict[str, Any]] = {}
    for model in generator_data.models:
        where = text(model.name)  # a component's JSON pointer, such as /components/schemas/Setting
        if where.startswith("/components/"):
            found[str(model.class_info.name)] = checked_schema(resolve(document, {"$ref": f"#{where}"}))
    for operation in operations:
        if operation.success.model and operation.success.model not in found and operation.response_schema:
            found[operation.success.model] = checked_schema(operation.response_schema)
    return dict(sorted(found.items()))


# Keywords of a schema that say what it means, not what it allows: schemas.py leaves them out.
PROSE_KEYS = frozenset({"description", "title", "externalDocs"})
# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
SUBSCHEMA_KEYS = frozenset({"items", "additionalProperties", "not"})
SUBSCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf"})


def checked_schema(schema: Any) -> Any:
    """A resolved schema without its prose, at every depth (a property named `description` stays)."""
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key in PROSE_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            kept[key] = {name: checked_schema(sub) for name, sub in value.items()}
        elif key in SUBSCHEMA_KEYS:
            kept[key] = checked_schema(value)
        elif key in SUBSCHEMA_LISTS and isinstance(value, list):
            kept[key] = [checked_schema(sub) for sub in value]
        else:
            kept[key] = value
    return kept


# --- decoders of answers ------------------------------------------------------------------

# The msgspec type of a value the generated from_dict() keeps as it arrives, by the generator's
# property class. A number keeps its JSON type (from_dict keeps 5 as 5, not 5.0).
DECODED_SCALARS = {
    "IntProperty": "int",
    "FloatProperty": "int | float",
    "StringProperty": "str",
    "BooleanProperty": "bool",
    "AnyProperty": "Any",
    "NoneProperty": "None",
    # The formats from_dict parses (isoparse, UUID) as msgspec's own types: the same values, read in C.
    # A string msgspec refuses (a date in another ISO form) goes to from_dict, which reads it as before.
    "DateProperty": "datetime.date",
    "DateTimeProperty": "Annotated[datetime.datetime, msgspec.Meta(tz=True)]",
    "UUIDProperty": "uuid.UUID",
}

# The values of a map whose from_dict keeps them as JSON gives them.
MAP_VALUES = frozenset(
    {"IntProperty", "FloatProperty", "StringProperty", "BooleanProperty", "AnyProperty", "LiteralEnumProperty"}
)


@dataclass
class DecodedField:
    """A field of an answer's model, as its msgspec struct declares it."""

    name: str  # the attrs attribute, and the struct's field
    json_name: str
    annotation: str  # its msgspec type, as code
    required: bool
    value: str  # the code that turns the struct's `value.<name>` into the model's value


@dataclass
class DecoderInfo:
    """How an answer's model is read: msgspec decodes the JSON into `struct`, which becomes the model."""

    model: str
    module: str  # the model's module (snake case)
    fields: list[DecodedField]

    @property
    def struct(self) -> str:
        return f"_{self.model}"

    @property
    def flat(self) -> bool:
        """Whether every field passes as it is decoded: the model is then made from the struct's values in one call."""
        return all(field.value == f"value.{field.name}" for field in self.fields)

    @property
    def rename(self) -> dict[str, str]:
        return {field.name: field.json_name for field in self.fields if field.name != field.json_name}

    def construct(self, source: str) -> str:
        """The code that makes the model from the struct `source`."""
        return f"{self.model}(*_astuple({source}))" if self.flat else f"_build_{self.module}({source})"


@dataclass
class Decoders:
    decoders: list[DecoderInfo]  # nested models before the models that hold them
    answers: list[DecoderInfo]  # the models operations answer with, which DECODERS maps
    slow: dict[str, str]  # an answer's model -> why it has no decoder (it is read by from_dict alone)
    maps: list[str] = field(default_factory=list)  # models of maps, built by their from_dict from a decoded dict


def init_order(model: Any) -> list[Any]:
    """A model's properties in the order of its attrs fields, which is its constructor's (templates/model.py.jinja)."""
    properties = [*model.required_properties, *model.optional_properties]
    first = [p for p in properties if p.default is None and p.required]
    return first + [p for p in properties if not (p.default is None and p.required)]


class _Planner:
    """Works out the decoder of each model, or why it cannot have one."""

    def __init__(self, generator_data: Any) -> None:
        self.models = {str(model.class_info.name): model for model in generator_data.models}
        self.plans: dict[str, DecoderInfo | str] = {}
        self.order: list[DecoderInfo] = []
        self.visiting: set[str] = set()
        self.maps: set[str] = set()

    def plan(self, name: str) -> DecoderInfo | str:
        if name in self.plans:
            return self.plans[name]
        if name in self.visiting:
            return f"{name} holds itself"
        model = self.models.get(name)
        if model is None:
            return f"{name} is not a model"
        self.visiting.add(name)
        fields: list[DecodedField] = []
        found: DecoderInfo | str | None = None
        for prop in init_order(model):
            attribute, json_name = str(prop.python_name), text(prop.name)
            decoded = self.decoded(prop, f"value.{attribute}", 0)
            if isinstance(decoded, str):
                found = f"{name}.{attribute}: {decoded}"
                break
            annotation, value = decoded
            if not prop.required and value != f"value.{attribute}":
                value = f"UNSET if value.{attribute} is _UNSET else {value}"
            fields.append(DecodedField(attribute, json_name, annotation, bool(prop.required), value))
        self.visiting.discard(name)
        if found is None:
            found = DecoderInfo(model=name, module=str(model.class_info.module_name), fields=fields)
            self.order.append(found)
        self.plans[name] = found
        return found

    def decoded(self, prop: Any, source: str, depth: int) -> tuple[str, str] | str:
        """(the msgspec type, the code that makes the model's value from `source`), or why there is none."""
        kind = type(prop).__name__
        if kind in DECODED_SCALARS:
            return DECODED_SCALARS[kind], source
        if kind == "LiteralEnumProperty":  # from_dict checks the value is one of them and keeps it as it is
            values = sorted(prop.values, key=repr)
            return f"Literal[{', '.join(repr(value) for value in values)}]", source
        extra = getattr(prop, "additional_properties", None)
        is_map = kind == "ModelProperty" and not prop.required_properties and not prop.optional_properties
        if is_map and extra is not None:
            # A map (only additionalProperties): its values typed, the model built by its from_dict from the dict,
            # which keeps plain JSON values as they are.
            if type(extra).__name__ not in MAP_VALUES:
                return f"a map of {type(extra).__name__} values is read by from_dict alone"
            decoded = self.decoded(extra, "value", depth + 1)
            if isinstance(decoded, str):
                return decoded
            annotation = decoded[0]
            self.maps.add(str(prop.class_info.name))
            return f"dict[str, {annotation}]", f"{prop.class_info.name}.from_dict({source})"
        if kind == "ModelProperty":
            inner = self.plan(str(prop.class_info.name))
            return inner if isinstance(inner, str) else (inner.struct, inner.construct(source))
        if kind == "ListProperty":
            item = f"item{depth or ''}"
            decoded = self.decoded(prop.inner_property, item, depth + 1)
            if isinstance(decoded, str):
                return decoded
            annotation, value = decoded
            return f"list[{annotation}]", source if value == item else f"[{value} for {item} in {source}]"
        if kind == "UnionProperty":
            parts = [self.decoded(inner, source, depth) for inner in prop.inner_properties]
            reasons = [part for part in parts if isinstance(part, str)]
            if reasons:
                return reasons[0]
            pairs = [part for part in parts if not isinstance(part, str)]
            converted = [value for annotation, value in pairs if value != source]
            others = [annotation for annotation, value in pairs if value == source and annotation != "None"]
            if converted and (len(converted) > 1 or others):
                return "a union of a model or list with other types"
            annotations = list(dict.fromkeys(annotation for annotation, _ in pairs))
            annotation = "Any" if "Any" in annotations else " | ".join(annotations)
            return annotation, f"None if {source} is None else {converted[0]}" if converted else source
        return f"{kind} values are read by from_dict alone"


def build_decoders(join: Join, generator_data: Any) -> Decoders:
    """The decoder of every model an operation answers with (success statuses), and of the models they hold."""
    planner = _Planner(generator_data)
    answered = sorted(
        {
            response.model
            for operation in join.operations
            for response in operation.responses
            if 200 <= response.status < 300 and response.model is not None
        }
    )
    answers, slow = [], {}
    for name in answered:
        found = planner.plan(name)
        if isinstance(found, str):
            slow[name] = found
        else:
            answers.append(found)
    built = {decoder.model for decoder in planner.order}
    return Decoders(decoders=planner.order, answers=answers, slow=slow, maps=sorted(planner.maps - built))


def docstring_text(value: str) -> str:
    """Text safe inside a triple-quoted docstring."""
    return value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()


def entry(name: str, details: str, description: str, column: int, offset: int = 0) -> str:
    """One `name (details): description` entry of a docstring section that starts at `column` of its
    block (which is later indented by `offset`), wrapped at 100 columns with a hanging indent."""
    head = f"{name} ({details})" if details else name
    lines = textwrap.wrap(
        docstring_text(f"{head}: {description}" if description else head),
        width=100 - column - offset,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return ("\n" + " " * (column + 4)).join(lines)


def render(env: Any, join: Join, decoders: Decoders) -> dict[str, str]:
    """Template name -> rendered text, for the modules of the join."""
    env = env.overlay()
    env.filters["doc"] = docstring_text
    env.globals["entry"] = entry
    env.filters["pyrepr"] = repr
    context = {"join": join, "decoders": decoders, "package": PACKAGE}
    return {name: env.get_template(f"{JOIN_TEMPLATES}/{name}.jinja").render(**context) for name in MODULES}
