"""The command line: Click commands over the library."""
