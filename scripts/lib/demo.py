"""scripts/demo: start a sandbox on a free port, run the tour against it, stop the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from voipstudio_callmeback_sandbox import SandboxError, running_sandbox, sandbox_command

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="voipstudio-demo-") as work:
        options = ("--db", str(Path(work) / "sandbox.db"), "--quiet")
        print(f"$ {' '.join(sandbox_command(*options))}", flush=True)
        try:
            with running_sandbox(*options) as sandbox:
                print("\n".join(sandbox.banner), flush=True)
                tour = [sys.executable, str(ROOT / "examples" / "callmeback_tour.py")]
                print(f"$ VOIPSTUDIO_BASE_URL={sandbox.url} {' '.join(tour[1:])}\n", flush=True)
                env = {**os.environ, "VOIPSTUDIO_BASE_URL": sandbox.url}
                return subprocess.run(tour, env=env, check=False).returncode
        except SandboxError as exc:
            print(f"scripts/demo: {exc}", file=sys.stderr)
            return 1
        finally:
            print("\nsandbox stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
