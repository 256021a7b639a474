"""What a stranger may send the sandbox, and what an error body echoes back, at most: one named constant per
limit, each with what it bounds and why."""

from __future__ import annotations

from typing import Final

# Conditions in one `filter` query value. SQLite refuses an expression tree deeper than 1,000
# ("Expression tree is too large"); each condition adds a level, and sorting and paging add more.
MAX_FILTER_CONDITIONS: Final = 50
# Characters of one filter value (a `like` pattern included). SQLite refuses a LIKE pattern over
# 50,000 bytes ("LIKE or GLOB pattern too complex"); 1,000 characters are at most 4,000 bytes of UTF-8.
MAX_FILTER_VALUE_LENGTH: Final = 1000
# Characters of one JSON number in a request body or a filter. Python refuses to convert an integer of
# more than 4,300 digits; the largest int64 has 19 digits and any double fits in 25 characters.
MAX_NUMBER_LENGTH: Final = 100
# Parameters in one query string. No operation of the spec declares more than a handful (page, limit,
# sort, dir, filter); 6,000 unknown ones used to be answered with one error each (574 KB).
MAX_QUERY_PARAMETERS: Final = 50
# Characters of the query string (as sent, percent-encoded): 64 KiB. Below the 80 KiB request line uvicorn's
# httptools parser takes, so that a longer query is refused with this error body rather than the server's
# plain-text 400. A filter within the filter limits fits when its values are ASCII letters (50 conditions
# of 1,000 characters: about 55,000 encoded); one of non-ASCII values at every limit does not, and is refused
# naming the query.
MAX_QUERY_STRING_LENGTH: Final = 64 * 1024
# Entries of `errors` in one error body; the ones beyond it are counted in one last entry instead.
MAX_ERRORS: Final = 20
# Characters of a value a message echoes back (a refused value, an unknown name); longer ones are cut
# and end with an ellipsis.
MAX_ECHOED_LENGTH: Final = 100
# Characters of one message of an error body, whatever it holds (its echoed values are cut already; this
# bounds the rest, such as the list of the names a sort takes).
MAX_MESSAGE_LENGTH: Final = 2000


def shown(value: str) -> str:
    """A value as a message echoes it: at most MAX_ECHOED_LENGTH characters, cut ones ending with an ellipsis."""
    return value if len(value) <= MAX_ECHOED_LENGTH else value[: MAX_ECHOED_LENGTH - 1] + "\u2026"
