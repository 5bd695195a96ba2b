"""`helpdesk routing ...` as an operator uses it: evaluate and train from CSV files, the
installed model's metadata, configuration from JSON files, bad input refused."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.routing.samples import labelled

HELPDESK = [sys.executable, "-m", "helpdesk.cli"]
BANKING77 = Path(__file__).resolve().parents[3] / "shared/corpora/tickets_banking77/train.csv"
LAST_LINE = r"accuracy=(0(\.\d+)?|1(\.0+)?) macro_f1=(0(\.\d+)?|1(\.0+)?) n=\d+"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_DATA_DIR=str(tmp_path / "data"), HELPDESK_LOG_LEVEL="WARNING")
    return subprocess.run(
        [*HELPDESK, "routing", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_evaluate_prints_its_scores_as_the_last_line(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=20)
    data = _csv(tmp_path / "t.csv", list(zip(texts, labels, strict=True)), ("text", "category"))
    done = _run(tmp_path, "evaluate", "--csv", str(data), "--folds", "4")
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    import re

    assert re.fullmatch(LAST_LINE, last), last
    assert last.endswith(" n=80")
    assert not (tmp_path / "data" / "routing").exists()  # evaluating installs nothing


def test_evaluate_against_a_test_file_with_other_columns(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=20, seed=3)
    rows = list(zip(texts, labels, strict=True))
    train = _csv(tmp_path / "train.csv", rows[::2], ("body", "intent"))
    test = _csv(tmp_path / "test.csv", rows[1::2], ("body", "intent"))
    done = _run(
        tmp_path, "evaluate", "--csv", str(train), "--test-csv", str(test),
        "--text-column", "body", "--label-column", "intent",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].endswith(" n=40")
    wrong = _run(tmp_path, "evaluate", "--csv", str(train), "--folds", "3")
    assert wrong.returncode == 2 and "no column 'text'" in wrong.stderr


def test_train_installs_the_model_with_its_metadata(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=15)
    data = _csv(tmp_path / "t.csv", list(zip(texts, labels, strict=True)), ("text", "category"))
    done = _run(tmp_path, "train", "--csv", str(data))
    assert done.returncode == 0, done.stderr
    assert "trained on 60 examples in 4 categories" in done.stdout
    meta = json.loads((tmp_path / "data/routing/classifier.json").read_text())
    assert meta["source"] == "csv:t.csv" and meta["n"] == 60 and meta["cv_folds"] == 3
    assert 0.5 < meta["cv_accuracy"] <= 1
    assert (tmp_path / "data/routing/classifier.joblib").stat().st_size > 0
    empty = _run(tmp_path, "train", "--from-tickets")
    assert empty.returncode == 2 and "two categories" in empty.stderr


def test_configuration_from_a_json_file(tmp_path: Path) -> None:
    good = tmp_path / "routing.json"
    good.write_text(
        json.dumps(
            {
                "threshold": 0.7,
                "keyword_rules": [{"name": "refunds", "category": "refunds", "keywords": ["iade"]}],
                "rules": [
                    {
                        "name": "vip",
                        "all": [{"field": "customer.tier", "value": "vip"}],
                        "actions": [{"kind": "set_priority", "value": "high"}],
                    }
                ],
            }
        )
    )
    assert _run(tmp_path, "config", "set", str(good)).stdout == (
        "routing configuration saved: 1 rules, 0 automations\n"
    )
    shown = json.loads(_run(tmp_path, "config", "show").stdout)
    assert shown["threshold"] == 0.7 and shown["rules"][0]["name"] == "vip"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"threshold": 2, "rules": [{"name": "x", "actions": []}]}))
    refused = _run(tmp_path, "config", "set", str(bad))
    assert refused.returncode == 2
    assert "threshold" in refused.stderr and "rules.0.actions" in refused.stderr
    dry = _run(tmp_path, "dry-run", str(good), "--last", "5")
    assert dry.stdout == "0 tickets would change\n", dry.stderr


@pytest.mark.skipif(
    not BANKING77.exists(), reason="the shared Banking77 corpus is not beside the repo"
)
def test_evaluate_on_a_slice_of_banking77(tmp_path: Path) -> None:
    with BANKING77.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    wanted = sorted({r["category"] for r in rows})[:5]
    picked = [(r["text"], r["category"]) for r in rows if r["category"] in wanted]
    data = _csv(tmp_path / "slice.csv", picked, ("text", "category"))
    done = _run(tmp_path, "evaluate", "--csv", str(data), "--folds", "3")
    assert done.returncode == 0, done.stderr
    accuracy = float(done.stdout.split()[-3].split("=")[1])
    assert accuracy > 0.85, done.stdout
