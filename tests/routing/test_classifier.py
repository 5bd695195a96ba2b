"""The classifier on our own small bilingual data: it learns, reports calibrated confidence,
survives Turkish spelling variants, and the model file round-trips with its metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from routing import model_store
from routing.classifier import TooLittleData, cross_validate, train
from routing.training import BadCsv, evaluate_files, read_csv, train_and_install
from tests.routing.samples import labelled


def test_learns_categories_in_english_and_turkish() -> None:
    texts, labels = labelled()
    classifier, _seconds = train(texts, labels)
    assert classifier.predict("Please refund my money, the order was cancelled").label == "refunds"
    assert classifier.predict("şifremi unuttum giriş yapamıyorum").label == "login"
    # Upper case and missing Turkish letters fold to the same features.
    assert classifier.predict("KARGOM HALA GELMEDI").label == "delivery"
    assert classifier.predict("yazici bozuldu").label == "hardware"


def test_confidence_is_a_probability_and_lower_for_unrelated_text() -> None:
    texts, labels = labelled()
    classifier, _ = train(texts, labels)
    clear = classifier.predict("I forgot my password and cannot log in to my account")
    vague = classifier.predict("what is the meaning of this")
    assert 0.0 <= vague.confidence < clear.confidence <= 1.0


def test_cross_validation_scores_every_example_once() -> None:
    texts, labels = labelled(per_category=20)
    scores = cross_validate(texts, labels, folds=4)
    assert scores.n == len(texts)
    assert scores.accuracy > 0.8 and scores.macro_f1 > 0.8
    assert scores.line().startswith("accuracy=")


def test_too_little_data_is_refused_with_a_reason() -> None:
    with pytest.raises(TooLittleData, match="two categories"):
        train(["a", "b"], ["x", "x"])
    with pytest.raises(TooLittleData, match="at least 5"):
        cross_validate(["a", "b", "c", "d"], ["x", "y", "x", "y"], folds=5)


def test_model_file_and_metadata_round_trip(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=15)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    info = train_and_install(tmp_path, texts, labels, source="csv:x.csv", now=now)
    assert (info.n, info.categories, info.cv_folds) == (60, 4, 3)
    assert info.cv_accuracy is not None and info.cv_accuracy > 0.7
    assert model_store.load_info(tmp_path) == info
    loaded = model_store.ModelCache(tmp_path).get()
    assert loaded is not None and loaded.predict("refund please").label == "refunds"


def test_csv_reading_names_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("body,label\nhello,a\n", encoding="utf-8")
    with pytest.raises(BadCsv, match="no column 'text'"):
        read_csv(path, "text", "category")
    assert read_csv(path, "body", "label") == (["hello"], ["a"])


def test_evaluate_on_a_held_out_file(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=30, seed=1)
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    for path, rows in ((train_csv, range(0, 120, 2)), (test_csv, range(1, 120, 2))):
        lines = ["text,category"] + [f'"{texts[i]}",{labels[i]}' for i in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scores = evaluate_files(
        train_csv, test_csv=test_csv, folds=None, text_column="text", label_column="category"
    )
    assert scores.n == 60 and scores.accuracy > 0.8


def test_single_ticket_path_gives_the_pipelines_probabilities() -> None:
    texts, labels = labelled()
    classifier, _ = train(texts, labels)
    probabilities = classifier.pipeline.predict_proba(texts[:40])
    for text, expected in zip(texts[:40], probabilities, strict=True):
        got = classifier.predict(text)
        best = int(expected.argmax())
        assert (got.label, got.confidence) == (classifier.labels[best], float(expected[best]))
