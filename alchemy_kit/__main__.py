"""`python -m alchemy_kit` runs the `alchemy` command line."""

from .cli.main import main

main()
