"""Benchmarks of issue 7: load (wrk against gunicorn), lag, replay, search and history; a
conventional baseline project (bench.baseline) as the yardstick. Entry point: `python -m bench`.
Results go to BENCHMARKS.md (rendered from bench/results.json)."""
