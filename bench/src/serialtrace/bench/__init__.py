"""serialtrace benchmarks: the performance figures measured through the graph on PostgreSQL,
each read figure beside the same answer computed with direct SQL in the same run.

`python -m serialtrace.bench` (or `make bench`) runs everything; `python -m
serialtrace.bench generate` only builds the dataset. See bench/README.md.
"""
