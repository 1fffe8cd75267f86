"""``python -m codeloop``."""

from codeloop.cli import main

main()
