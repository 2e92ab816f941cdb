"""Commands added to the `flask` CLI."""

from __future__ import annotations

import re

from flask.testing import FlaskCliRunner


def test_gen_secret_prints_a_strong_key(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["gen-secret"])
    assert result.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{64}\n", result.output)
