"""The bottom layer: what every other package may use (languages, and later paths, files,
hardening, logging, errors). It imports nothing of the project above it."""
