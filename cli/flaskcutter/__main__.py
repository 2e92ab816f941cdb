"""`python -m flaskcutter` and the `flaskcutter` script: the CLI, and Ctrl-C at any time.

The console script points here rather than at the click group, so that a Ctrl-C while
Python is still importing the CLI (before any handler of ours exists), or while a
command imports cookiecutter, ends in one line and exit code 130: not a traceback from
the middle of an import, nor click's "Aborted!" with exit code 1.
"""

import sys

INTERRUPTED = "error: interrupted: nothing was written"


def main() -> None:
    try:
        import click

        from .cli import main as cli

        try:
            code = cli.main(prog_name="flaskcutter", standalone_mode=False)
        except click.exceptions.Abort:
            # click turns Ctrl-C (and EOF at a prompt) into Abort; it printed a newline.
            print(INTERRUPTED, file=sys.stderr)
            sys.exit(130)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else 0)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
