"""The `rcsc` command line (typer); the only place that configures logging for the CLI."""
