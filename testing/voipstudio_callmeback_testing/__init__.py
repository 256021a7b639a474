"""voipstudio_callmeback_testing: a test kit for applications that use voipstudio_callmeback.

A stateful sandbox of the API inside the test process (no socket) or on loopback, with
faults, a clock that tests move, data added at will and a journal of the requests it got;
and a pytest plugin with fixtures bound to it (`callmeback_sandbox`, `cmb`, `async_cmb`,
`callmeback_waits`, `callmeback_server`). Installed with the `[sandbox]` extra::

    def test_a_retry(callmeback_sandbox, cmb, callmeback_waits):
        callmeback_sandbox.fault("getSetting", status=429, headers={"Retry-After": "3"})
        cmb.settings.get(1)
        assert callmeback_waits == [3.0]

See the README's "Testing your application" and docs/testing.md.
"""

from __future__ import annotations

from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account, Fault, Request

from ._sandbox import DEFAULT_CDRS, IN_PROCESS_URL, Sandbox, Served

__all__ = ["DEFAULT_CDRS", "DEMO_ACCOUNT", "IN_PROCESS_URL", "Account", "Fault", "Request", "Sandbox", "Served"]
