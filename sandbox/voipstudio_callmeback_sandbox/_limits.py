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
# Characters of the query string (as sent, percent-encoded): 64 KiB, half of MAX_HEADER_BYTES, so that a
# longer query is refused with this error body rather than by the server's head limit. A filter within
# the filter limits fits when its values are ASCII letters (50 conditions of 1,000 characters: about
# 55,000 encoded); one of non-ASCII values at every limit does not, and is refused naming the query.
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


# --- over a socket (the command line and the test kit's serve(); _server.py) ----------------------

# Bytes of one request head (request line and headers) the server buffers before it answers 431. The
# review took the sandbox from 90 to 410 MiB with 8 unfinished 32 MiB headers (httptools buffers any
# size). 128 KiB holds a query string at its own limit (MAX_QUERY_STRING_LENGTH, which is then
# refused with the API's error body naming the query, not by the server), a long token and every
# header a client sends; MAX_CONNECTIONS heads at most are 32 MiB.
MAX_HEADER_BYTES: Final = 128 * 1024
# Header fields of one request; more are answered 431. Apache's LimitRequestFields default, and
# Python's http.client's own limit: a client sends about ten.
MAX_HEADER_COUNT: Final = 100
# Seconds a connection may take to send a complete request head (from its opening, or from the end of
# the previous answer); then it is answered 408 and closed (closed without an answer when nothing of a
# request came). A partial header used to hold its connection open for ever. --header-timeout.
HEADER_TIMEOUT: Final = 10.0
# Seconds a request may take to send its whole body once its head has come; then it is answered 408.
# MAX_BODY_BYTES (1 MiB) in 30 s is 35 KB/s: slower than any client still sending. --body-timeout.
BODY_TIMEOUT: Final = 30.0
# Connections served at once; a request on a connection beyond them is answered 503 with Retry-After
# (the client retries it) and its connection closed. Every connection costs a file descriptor (1,024
# per process by default on Linux) and up to MAX_HEADER_BYTES; the tests and benchmarks open at most
# a few dozen. --max-connections.
MAX_CONNECTIONS: Final = 256
# Seconds a 503 of a connection beyond MAX_CONNECTIONS asks the client to wait (Retry-After).
BUSY_RETRY_AFTER: Final = 1
# Seconds a connection refused before its request was read (431, 408, malformed HTTP) is still read and
# what it sends discarded, after the answer, so that the client reads the answer instead of a reset;
# then it is closed. Nothing it sends is kept.
REFUSED_LINGER: Final = 2.0
