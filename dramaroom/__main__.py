"""Allow `python -m dramaroom`."""

from dramaroom.cli import main

main()
