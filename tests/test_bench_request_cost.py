"""bench.request_cost_child (the in-process caller callgrind counts): its arguments, and that it
fails on an answer that is not 200 instead of counting it."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.request_cost_child import parse_args

pytestmark = pytest.mark.unit


def test_the_arguments_are_a_known_system_a_file_and_a_count(tmp_path):
    args = parse_args(["ours", str(tmp_path / "paths.txt"), "300"])
    assert (args.system, args.requests) == ("ours", 300)


@pytest.mark.parametrize(
    "argv", [["other", "p.txt", "3"], ["ours", "p.txt", "-1"], ["ours", "p.txt", "many"], []]
)
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit) as refused:
        parse_args(argv)
    assert refused.value.code == 2


def test_an_answer_that_is_not_200_fails_the_count(tmp_path):
    paths = tmp_path / "paths.txt"
    paths.write_text("/no/such/route/\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench.request_cost_child", "plain", str(paths), "0"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "bench.baseline.settings", "PATH": "/usr/bin:/bin"},
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 1
    assert "/no/such/route/: 404" in done.stderr
