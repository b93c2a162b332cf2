"""Benchmarks: separate from the tests, they report numbers and assert nothing about timings."""
