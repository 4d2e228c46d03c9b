"""The pure parts of the ceiling benchmarks: writers spread over processes, the lock's hold,
the replica lag computed from LSN samples, and the --writers option."""

import argparse

import pytest

from bench.__main__ import writer_levels
from bench.append_pool import Run, split
from bench.append_rows import lock_held_ms
from bench.replica_lag import replay_lags_ms, unreached


def test_writers_are_spread_evenly_and_no_process_runs_none():
    assert split(1, 2) == [1]
    assert split(4, 2) == [2, 2]
    assert split(5, 2) == [3, 2]
    assert split(64, 3) == [22, 21, 21]
    assert sum(split(63, 4)) == 63


def test_the_lock_is_held_for_the_call_and_the_commits_wal_write_and_flush():
    run = Run("append", 1, 10, 100, [], 0, 400, 100, 1.0, 0.125, 0.05, 0.1, 0.8, 2.0, 0.5, 1.2)
    assert lock_held_ms(run) == pytest.approx(0.275)


def test_the_lag_of_a_write_is_the_time_until_a_later_replica_sample_replayed_it():
    primary = [(0.000, 100), (0.010, 200), (0.020, 200), (0.030, 300)]
    replica = [(0.001, 100), (0.011, 150), (0.021, 250), (0.031, 250), (0.041, 300)]
    # 200 written by 0.010 is replayed at 0.021; the sample at 0.020 wrote nothing new and is
    # left out; 300 written by 0.030 is replayed at 0.041. The first sample has no "before".
    assert replay_lags_ms(primary, replica) == pytest.approx([11.0, 11.0])


def test_a_replica_sample_taken_before_the_write_never_counts_for_it():
    primary = [(0.0, 0), (0.010, 500)]
    replica = [(0.005, 500), (0.015, 500)]  # 500 seen at 0.005 belongs to no later write
    assert replay_lags_ms(primary, replica) == pytest.approx([5.0])


def test_writes_the_replica_never_replayed_are_counted_apart_not_as_lags():
    primary = [(0.0, 0), (0.010, 100), (0.020, 900)]
    replica = [(0.015, 100), (0.025, 400)]
    assert replay_lags_ms(primary, replica) == pytest.approx([5.0])
    assert unreached(primary, replica) == 1


@pytest.mark.parametrize("text", ["0,4", "4,4", "1,,4", "200", "x", "-1"])
def test_the_writers_option_refuses_what_it_cannot_measure(text):
    with pytest.raises(argparse.ArgumentTypeError):
        writer_levels(text)


def test_the_writers_option_sorts_the_levels():
    assert writer_levels("64,1,16") == [1, 16, 64]
