"""Reliability scenarios shared by tests/hardening and bench/bench_reliability.py."""
