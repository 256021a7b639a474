"""e. The test kit (voipstudio_callmeback_testing): what a test pays for its isolation, the CPU of a call in
process against one over a loopback socket, and the time from nothing to a first answer."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from .common import Result, Sizes, at_most, interleave, median_ratio, ms, us

RESET_TARGET = 3.0  # a reset after a test that wrote / one in-process settings.get, at most
INPROCESS_TARGET = 0.8  # CPU of settings.get in process / over a loopback socket, at most
START_TARGET = 3.0  # nothing to a first answer in process / python -c "import httpx", at most

# A process that starts a sandbox in process and reads a page of it: what a test session pays first.
START_SCRIPT = (
    "from voipstudio_callmeback_testing import Sandbox\n"
    "sandbox = Sandbox()\n"
    "client = sandbox.client(login='api_key')\n"
    "assert client.settings.list().page(1).total >= 1\n"
)
BASELINE_SCRIPT = "import httpx\n"


def _calls(call: Callable[[], object], count: int, clock: Callable[[], float]) -> float:
    started = clock()
    for _ in range(count):
        call()
    return (clock() - started) / count


def _run(script: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    return time.perf_counter() - started


def bench_kit(sizes: Sizes) -> list[Result]:
    from voipstudio_callmeback_testing import Sandbox

    calls = sizes.get_calls
    repeats = sizes.get_repeats
    with Sandbox() as sandbox:
        client = sandbox.client(login="api_key")
        setting = client.settings.list().page(1).items[0].id

        def get() -> object:
            return client.settings.get(setting)

        for _ in range(20):  # warm-up: connexion's caches, the loop thread
            get()

        # a. isolation: a test that wrote (one create), then the reset that undoes it
        def reset_after_a_write() -> float:
            client.settings.create(name="written by a test")
            started = time.perf_counter()
            sandbox.reset()
            return time.perf_counter() - started

        def one_get() -> float:
            return _calls(get, calls, time.perf_counter)

        resets, gets = interleave([reset_after_a_write, one_get], repeats)
        reset_ratio = median_ratio(resets, gets)
        read_only = statistics.median(_calls(sandbox.reset, 100, time.perf_counter) for _ in range(5))

        # b. in process against loopback, CPU of the whole process (client, server and their threads)
        with sandbox.serve() as served:
            import httpx
            from voipstudio_callmeback import CallMeBack

            account = sandbox.account
            over_socket = CallMeBack(
                user_id=account.user_id, api_key=account.api_key, base_url=served.url, http_client=httpx.Client()
            )
            for _ in range(20):
                over_socket.settings.get(setting)

            def inprocess_cpu() -> float:
                return _calls(get, calls, time.process_time)

            def socket_cpu() -> float:
                return _calls(lambda: over_socket.settings.get(setting), calls, time.process_time)

            inprocess, socket = interleave([inprocess_cpu, socket_cpu], repeats)
            over_socket.close()
        client.close()
    inprocess_ratio = median_ratio(inprocess, socket)

    # c. start: each a fresh process, interleaved
    starts, baselines = interleave([lambda: _run(START_SCRIPT), lambda: _run(BASELINE_SCRIPT)], max(3, repeats // 3))
    start_ratio = median_ratio(starts, baselines)

    reset_s, get_s = statistics.median(resets), statistics.median(gets)
    return [
        at_most(
            "kit_reset",
            "e. kit: reset after a test that wrote / one in-process settings.get",
            reset_ratio,
            RESET_TARGET,
            f"{reset_ratio:.2f}x ({ms(reset_s)} vs {ms(get_s)})",
            {"reset_s": reset_s, "get_s": get_s, "reset_read_only_s": read_only},
        ),
        at_most(
            "kit_inprocess",
            "e. kit: settings.get CPU in process / over a loopback socket",
            inprocess_ratio,
            INPROCESS_TARGET,
            f"{inprocess_ratio:.2f}x ({us(statistics.median(inprocess))} vs {us(statistics.median(socket))} a call)",
            {"inprocess_cpu_s": statistics.median(inprocess), "socket_cpu_s": statistics.median(socket)},
        ),
        at_most(
            "kit_start",
            'e. kit: start to a first answer in process / python -c "import httpx"',
            start_ratio,
            START_TARGET,
            f"{start_ratio:.2f}x ({statistics.median(starts):.2f} s vs {statistics.median(baselines):.2f} s)",
            {"start_s": statistics.median(starts), "baseline_s": statistics.median(baselines)},
        ),
    ]
