"""The application shell: start-up, windows, workers, shared widgets and formatting."""
