"""a. Parsing one 5,000-row CDR page, bytes to models: against pydantic, and against the floor.

Ours is the overlay's `parse()`, what every list call does with a page: the generated
decoder (msgspec into structs, then the attrs models users import). Pydantic is v2's
`model_validate_json` on models built from the same schema (extra="allow"). The floor is
msgspec decoding the bytes into a typed Struct with the schema's fields: what the machine
can do at best in Python, with no attrs models made.
"""

from __future__ import annotations

import gc
import json
import statistics
from typing import Any

from .common import (
    BenchError,
    Result,
    Sizes,
    at_most,
    best_of,
    cdr_page_body,
    interleave,
    list_answer_schema,
    median_ratio,
    ms,
    msgspec_struct,
    operation_url,
    pydantic_model,
)

PARSE_TARGET = 0.60  # ours / pydantic, at most
FLOOR_TARGET = 1.50  # ours / msgspec into a Struct, at most
LIST_CDRS = "listCdrs"


def bench_parse(sizes: Sizes) -> list[Result]:
    import httpx
    import msgspec
    from voipstudio_callmeback._base import parse
    from voipstudio_callmeback_client.models import CdrList

    body = cdr_page_body(sizes.parse_rows)
    schema = list_answer_schema(LIST_CDRS)
    pydantic_page = pydantic_model("PCdrList", schema)
    floor_decode = msgspec.json.Decoder(msgspec_struct("FloorCdrList", schema)).decode
    request = httpx.Request("GET", operation_url(LIST_CDRS))

    def ours() -> CdrList:
        response = httpx.Response(200, content=body, headers={"content-type": "application/json"}, request=request)
        parsed = parse(response, 200, CdrList)
        # parse() pauses the collector for a page this large; the pass it put off comes with the next
        # allocation. Paid here, so that ours carries the collector's work as the other sides do.
        gc.collect(0)
        return parsed

    def pydantic() -> Any:
        return pydantic_page.model_validate_json(body)

    def floor() -> Any:
        return floor_decode(body)

    # The warm-up, which also checks that all three read the same page. One result at a time:
    # holding them at once leaves a heap on which a side measured up to 20% slower for the run.
    mine = ours()
    seen = (len(mine.data), mine.data[-1].id, mine.data[0].type_, mine.data[0].labels, mine.total)
    del mine
    for name, other in (("pydantic", pydantic()), ("the floor", floor())):
        if seen != (len(other.data), other.data[-1].id, other.data[0].type, other.data[0].labels, other.total):
            raise BenchError(f"ours and {name} read the page differently")
        del other
    block = sizes.parse_block
    ours_s, pydantic_s, floor_s = interleave(
        [lambda: best_of(ours, block), lambda: best_of(pydantic, block), lambda: best_of(floor, block)],
        sizes.parse_repeats,
    )
    # For context, the JSON decoding alone, into dicts: msgspec's and the standard library's.
    decode = msgspec.json.Decoder().decode
    dicts_s, json_s = interleave(
        [lambda: best_of(lambda: decode(body), block), lambda: best_of(lambda: json.loads(body), block)],
        sizes.parse_repeats,
    )
    medians = {name: statistics.median(figures) for name, figures in (("ours", ours_s), ("pydantic", pydantic_s))}
    medians["floor"] = statistics.median(floor_s)
    details = {
        "rows": sizes.parse_rows,
        "body_bytes": len(body),
        "repeats": sizes.parse_repeats,
        "calls_per_repeat": block,
        "ours_median_s": medians["ours"],
        "pydantic_median_s": medians["pydantic"],
        "floor_median_s": medians["floor"],
        "msgspec_dicts_median_s": statistics.median(dicts_s),
        "json_loads_median_s": statistics.median(json_s),
        "ours": "voipstudio_callmeback._base.parse(httpx.Response, 200, CdrList): the generated decoder",
        "pydantic": "PCdrList.model_validate_json(body), extra='allow', fields from the spec",
        "floor": "msgspec.json.Decoder(FloorCdrList).decode(body), a Struct with the spec's fields",
    }
    against_pydantic = median_ratio(ours_s, pydantic_s)
    against_floor = median_ratio(ours_s, floor_s)
    rows = f"{sizes.parse_rows:,}-row CDR page"
    return [
        at_most(
            "parse",
            f"a. parse a {rows}: ours / pydantic",
            against_pydantic,
            PARSE_TARGET,
            f"{against_pydantic:.2f}x ({ms(medians['ours'])} vs {ms(medians['pydantic'])})",
            details,
        ),
        at_most(
            "parse_floor",
            f"a. parse a {rows}: ours / msgspec Struct (floor)",
            against_floor,
            FLOOR_TARGET,
            f"{against_floor:.2f}x ({ms(medians['ours'])} vs {ms(medians['floor'])})",
            details,
        ),
    ]
