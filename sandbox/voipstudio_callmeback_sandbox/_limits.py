"""What a stranger may send the sandbox, at most: one named constant per limit, each with what it bounds and why."""

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
