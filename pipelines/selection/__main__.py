"""`python -m pipelines.selection`: the same as `smaller-labse select`."""

from pipelines.selection.cli import main

main()
