"""The `voipstudio-callmeback` command line (the `[cli]` extra: click and rich)."""

from __future__ import annotations

import sys

CLI_EXTRA_MISSING = (
    "voipstudio-callmeback: the command line needs the [cli] extra: pip install 'voipstudio-callmeback[cli]'"
)


def main() -> None:
    """The console script's entry point."""
    try:
        from ._main import run  # click and rich are optional: imported only here
    except ImportError as exc:
        if exc.name in ("click", "rich"):
            print(CLI_EXTRA_MISSING, file=sys.stderr)
            raise SystemExit(1) from None
        raise
    run()
