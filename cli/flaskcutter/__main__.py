"""`python -m flaskcutter`, the same as the `flaskcutter` script."""

from .cli import main

main(prog_name="flaskcutter")
