"""Benchmarks are run by hand (python -m tests.benchmarks.vault_bench), never collected."""

collect_ignore_glob = ["*.py"]
