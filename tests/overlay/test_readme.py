"""The README's runnable examples run against a real sandbox.

A ```python block whose first line is `# run-against-sandbox` is run as it stands, in
its own Python process, with VOIPSTUDIO_BASE_URL, VOIPSTUDIO_USER_ID, VOIPSTUDIO_API_KEY,
VOIPSTUDIO_EMAIL and VOIPSTUDIO_PASSWORD naming the sandbox and its demo account.
An example that needs `await` wraps it in `asyncio.run(...)`. A marked ```sh block runs
in bash (-eu, pipefail) with the virtualenv's commands on PATH, SANDBOX naming the
sandbox's base URL and a configuration folder of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARKER = "# run-against-sandbox"
EXAMPLE_SECONDS = 60
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<language>python|sh)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Example:
    """A runnable block of the README: its code and the line its fence opens on."""

    line: int
    code: str
    language: str = "python"


def runnable_examples(markdown: str) -> list[Example]:
    """The ```python and ```sh blocks whose first line is the marker, dedented, in order."""
    examples = []
    for block in FENCE.finditer(markdown):
        code = textwrap.dedent(block.group("body"))
        if code.splitlines()[:1] == [MARKER]:
            line = markdown.count("\n", 0, block.start()) + 1
            examples.append(Example(line=line, code=code, language=block.group("language")))
    return examples


def test_the_readme_examples_run_against_the_sandbox(sandbox_env: dict[str, str], tmp_path: Path) -> None:
    """Every README block marked `# run-against-sandbox` exits 0 against the live sandbox (and there is one)."""
    examples = runnable_examples(README.read_text(encoding="utf-8"))
    assert examples, f"README.md has no ```python block whose first line is {MARKER!r}"
    assert {example.language for example in examples} == {"python", "sh"}
    shell_env = dict(
        sandbox_env,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{sandbox_env.get('PATH', '')}",
        SANDBOX=sandbox_env["VOIPSTUDIO_BASE_URL"],
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    for example in examples:
        if example.language == "python":
            compile(example.code, f"README.md, line {example.line}", "exec")
            command, env = [sys.executable, "-c", example.code], sandbox_env
        else:
            command, env = ["bash", "-euo", "pipefail", "-c", example.code], shell_env
        result = subprocess.run(
            command,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=EXAMPLE_SECONDS,
            check=False,
        )
        assert result.returncode == 0, (
            f"the example at README.md line {example.line} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )


def test_only_marked_python_and_shell_blocks_are_examples() -> None:
    """The extractor keeps marked ```python and ```sh blocks (indented ones too) and leaves every other block out."""
    markdown = textwrap.dedent(
        """\
        Intro.

        ```python
        # run-against-sandbox
        print("one")
        ```

        ```python
        print("not marked")
        ```

        ```sh
        # run-against-sandbox
        echo shell
        ```

        ```sh
        echo not marked
        ```

        ```console
        # run-against-sandbox
        $ echo another language
        ```

        - In a list:

          ```python
          # run-against-sandbox
          import asyncio
          ```

        ```python
        x = 1
        # run-against-sandbox
        ```
        """
    )
    examples = runnable_examples(markdown)
    assert [(example.language, example.code) for example in examples] == [
        ("python", '# run-against-sandbox\nprint("one")\n'),
        ("sh", "# run-against-sandbox\necho shell\n"),
        ("python", "# run-against-sandbox\nimport asyncio\n"),
    ]
    assert [example.line for example in examples] == [3, 12, 28]


def test_the_sandbox_environment_names_the_sandbox_and_the_demo_account(sandbox_env: dict[str, str]) -> None:
    """The examples' environment points at the live sandbox with the demo credentials, and an example can use it."""
    code = textwrap.dedent(
        """\
        import asyncio
        import os

        from voipstudio_callmeback import AsyncCallMeBack, CallMeBack

        with CallMeBack.from_env() as cmb:
            assert next(iter(cmb.websites.list())).id > 0

        async def main() -> None:
            email, password = os.environ["VOIPSTUDIO_EMAIL"], os.environ["VOIPSTUDIO_PASSWORD"]
            base_url = os.environ["VOIPSTUDIO_BASE_URL"]
            async with await AsyncCallMeBack.login(email, password, base_url=base_url) as cmb:
                async for page in cmb.websites.list().pages():
                    assert page.total == 3

        asyncio.run(main())
        """
    )
    assert sandbox_env["VOIPSTUDIO_BASE_URL"].startswith("http://127.0.0.1:")
    assert (sandbox_env["VOIPSTUDIO_EMAIL"], sandbox_env["VOIPSTUDIO_PASSWORD"]) == ("demo@example.com", "demo")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=sandbox_env,
        capture_output=True,
        text=True,
        timeout=EXAMPLE_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
