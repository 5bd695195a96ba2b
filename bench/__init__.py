"""Benchmarks, run on demand: `python bench/<name>.py`. Each prints ratios to a baseline."""
