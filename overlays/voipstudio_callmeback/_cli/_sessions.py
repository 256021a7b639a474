"""Where `voipstudio-callmeback login` keeps session tokens: one JSON file per user, mode 0600.

The file lives in the user's configuration folder (`click.get_app_dir`: on Linux
`$XDG_CONFIG_HOME/voipstudio-callmeback`, else `~/.config/voipstudio-callmeback`) and
holds one session per base URL, so that a login to a local sandbox never replaces, or
is sent in place of, the session of the real service. It is written to a temporary
file created with mode 0600 in the same folder (itself 0700) and renamed over the old
one, so a reader never sees half a file and the token is never readable by others.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

APP_NAME = "voipstudio-callmeback"
FILE_NAME = "sessions.json"


@dataclass(frozen=True)
class Session:
    token: str
    email: str

    def __repr__(self) -> str:
        return f"Session(email={self.email!r})"


class SessionStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else Path(click.get_app_dir(APP_NAME))
        self.path = self.folder / FILE_NAME

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            content = json.loads(text)
        except ValueError as exc:
            raise click.ClickException(f"{self.path} is not valid JSON ({exc}); delete it and log in again") from None
        sessions = content.get("sessions") if isinstance(content, dict) else None
        return sessions if isinstance(sessions, dict) else {}

    def get(self, base_url: str) -> Session | None:
        entry = self._read().get(base_url)
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            return None
        return Session(token=entry["token"], email=str(entry.get("email", "")))

    def put(self, base_url: str, session: Session) -> None:
        sessions = self._read()
        sessions[base_url] = {"token": session.token, "email": session.email}
        self._write(sessions)

    def remove(self, base_url: str) -> bool:
        sessions = self._read()
        if base_url not in sessions:
            return False
        del sessions[base_url]
        self._write(sessions)
        return True

    def _write(self, sessions: dict[str, Any]) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode does not apply to a folder that already exists, nor past the umask.
        if stat.S_IMODE(self.folder.stat().st_mode) & 0o077:
            self.folder.chmod(0o700)
        data = json.dumps({"version": 1, "sessions": sessions}, indent=2, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(prefix=".sessions-", suffix=".json", dir=self.folder)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
