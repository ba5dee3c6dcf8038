"""The command line in a pipeline: a reader that stops early is not an error."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("args", [["factors", "list"], ["factors", "list", "--format", "json"]])
def test_a_closed_pipe_is_not_an_error(args):
    cmd = [sys.executable, "-c", "from nqi_carbon.cli import main; raise SystemExit(main())", *args]
    producer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None
    producer.stdout.readline()  # read one line, then go away like `head -1` (the output
    # is larger than a pipe buffer, so the writer meets the closed pipe)
    producer.stdout.close()
    _, err = producer.communicate(timeout=120)
    assert producer.returncode == 0, err.decode()
    assert b"Broken pipe" not in err and b"Traceback" not in err
