"""The search benchmark's settings (bench.search_settings) with bench/lean_suggest.py's route in
front of the service's: bench/request_cost.py's "lean" system. Benchmark-only."""

from bench.search_settings import *  # noqa: F403

ROOT_URLCONF = "bench.lean_suggest"
