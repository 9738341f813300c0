"""``advisor``: the advisor's command line, one module per command group."""
