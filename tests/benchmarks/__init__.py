"""Benchmarks (not collected as tests): python -m tests.benchmarks.vault_bench."""
