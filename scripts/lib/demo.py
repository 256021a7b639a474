"""scripts/demo: start a sandbox on a free port, run the tour against it, stop the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="voipstudio-demo-") as work:
        command = [str(BIN / "voipstudio-callmeback-sandbox"), "--port", "0", "--db", str(Path(work) / "sandbox.db")]
        print(f"$ {' '.join(command)}", flush=True)
        sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            banner = sandbox.stdout.readline() if sandbox.stdout else ""
            if not banner:
                print("scripts/demo: the sandbox did not start", file=sys.stderr)
                return 1
            print(banner, end="", flush=True)
            base_url = banner.split(": ", 1)[1].split()[0]
            tour = [sys.executable, str(ROOT / "examples" / "callmeback_tour.py")]
            print(f"$ VOIPSTUDIO_BASE_URL={base_url} {' '.join(tour[1:])}\n", flush=True)
            return subprocess.run(tour, env={**os.environ, "VOIPSTUDIO_BASE_URL": base_url}, check=False).returncode
        finally:
            sandbox.terminate()
            try:
                sandbox.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sandbox.kill()
                sandbox.wait()
            if sandbox.stdout:
                sandbox.stdout.close()
            print("\nsandbox stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
