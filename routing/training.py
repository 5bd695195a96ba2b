"""Training and evaluating the classifier from labelled CSV files or the desk's own examples.
Blocking CPU work: callers in the event loop run these in a thread."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from routing import embeddings, model_store
from routing.classifier import (
    Scores,
    TooLittleData,
    cross_validate,
    evaluate,
    train,
)

# Cross-validation for the metadata uses at most this many folds (fewer for thin classes).
_META_FOLDS = 3


class BadCsv(ValueError):
    """The CSV file cannot be read as labelled examples."""


def read_csv(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Rows with non-empty text and label from a UTF-8 CSV file with a header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in (text_column, label_column) if c not in header]
            if missing:
                raise BadCsv(f"{path}: no column {missing[0]!r} (columns: {header})")
            texts: list[str] = []
            labels: list[str] = []
            for row in reader:
                text = (row.get(text_column) or "").strip()
                label = (row.get(label_column) or "").strip()
                if text and label:
                    texts.append(text)
                    labels.append(label)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadCsv(f"{path}: {exc}") from exc
    if not texts:
        raise BadCsv(f"{path}: no labelled rows")
    return texts, labels


def train_and_install(
    data_dir: Path,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    source: str,
    now: datetime,
) -> model_store.ModelInfo:
    """Cross-validate (for the metadata), train on everything, install atomically."""
    if len(set(labels)) < 2:
        raise TooLittleData(f"need examples of at least two categories (have {len(texts)})")
    folds = min(_META_FOLDS, min(Counter(labels).values()))
    scores: Scores | None = cross_validate(texts, labels, folds) if folds >= 2 else None
    classifier, seconds = train(texts, labels)
    info = model_store.ModelInfo(
        trained_at=now.isoformat(),
        source=source,
        n=len(texts),
        categories=len(set(labels)),
        cv_folds=folds if scores else 0,
        cv_accuracy=round(scores.accuracy, 4) if scores else None,
        cv_macro_f1=round(scores.macro_f1, 4) if scores else None,
        training_seconds=round(seconds, 3),
        embeddings=embeddings.source(),
    )
    model_store.save(data_dir, classifier, info)
    return info


def train_from_tickets(
    data_dir: Path, texts: Sequence[str], labels: Sequence[str], now: datetime
) -> model_store.ModelInfo:
    return train_and_install(data_dir, texts, labels, source="tickets", now=now)


def evaluate_files(
    train_csv: Path,
    *,
    test_csv: Path | None,
    folds: int | None,
    text_column: str,
    label_column: str,
) -> Scores:
    texts, labels = read_csv(train_csv, text_column, label_column)
    if test_csv is not None:
        test_texts, test_labels = read_csv(test_csv, text_column, label_column)
        return evaluate(texts, labels, test_texts, test_labels)
    if folds is None or folds < 2:
        raise TooLittleData("--folds needs at least 2")
    return cross_validate(texts, labels, folds)
