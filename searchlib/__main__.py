from .cli.commands import cli

cli(prog_name="searchlib")
