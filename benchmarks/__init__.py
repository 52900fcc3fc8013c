"""The benchmarks (``benchmarks/run.py``) and their inputs, importable by the tests."""
