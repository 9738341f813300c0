"""``advisor-desk``: the central desk's command line."""
