"""`completion bash|zsh|fish`: the shell completion script, from click's own completion support."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

PROG = "voipstudio-callmeback"
COMPLETE_VAR = "_VOIPSTUDIO_CALLMEBACK_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(context: click.Context, shell: str) -> None:
    """Print the completion script of SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(voipstudio-callmeback completion bash)"        (in ~/.bashrc)
    zsh:   eval "$(voipstudio-callmeback completion zsh)"         (in ~/.zshrc)
    fish:  voipstudio-callmeback completion fish > ~/.config/fish/completions/voipstudio-callmeback.fish
    """
    root = context.find_root().command
    found = get_completion_class(shell)
    if found is None:  # pragma: no cover - click knows these three
        raise click.UsageError(f"no completion for {shell}")
    click.echo(found(root, {}, PROG, COMPLETE_VAR).source())
