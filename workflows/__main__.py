"""``python -m workflows`` is the same as the ``workflows`` command."""

from workflows.cli import main

main()
