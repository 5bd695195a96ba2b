"""`helpdesk csat` as an operator uses it, in a real subprocess."""

from __future__ import annotations

from pathlib import Path

from tests.core.test_cli import env, run

__all__ = ["env"]


def test_a_team_gets_its_own_survey_rules(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "team", "add", "Billing").returncode == 0
    default = run(env, "csat", "show", "Billing")
    assert default.returncode == 0
    assert "surveys on, 1h after the solve, 100% sampled" in default.stdout
    set_ = run(env, "csat", "policy", "Billing", "--delay", "0s", "--sample", "20", "--bad", "1")
    assert set_.returncode == 0, set_.stderr
    assert "0s after the solve, 20% sampled" in set_.stdout
    assert "ratings <= 1 reopen" in set_.stdout
    bad = run(env, "csat", "policy", "Billing", "--delay", "30")
    assert bad.returncode == 2 and "is not a duration" in bad.stderr
    assert run(env, "csat", "show", "Nobody").returncode == 2
