"""`python -m flaskcutter` and the `flaskcutter` script: the CLI, and Ctrl-C at any time.

The console script points here rather than at the click group, so that a Ctrl-C while
Python is still importing the CLI (before any handler of ours exists) ends in one line
and exit code 130 instead of a traceback from the middle of an import.
"""

import sys


def main() -> None:
    try:
        from .cli import main as cli

        cli(prog_name="flaskcutter")
    except KeyboardInterrupt:
        print("error: interrupted: nothing was written", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
