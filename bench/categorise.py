"""How good and how fast is the ticket categoriser? Run on demand:

    .venv/bin/python bench/categorise.py [TRAIN.csv] [--folds 5] [--alternatives]

On labelled data (default: the shared Banking77 training split, 10k queries, 77 intents) it
prints, for our classifier (word 1-2-gram + char 2-5-gram TF-IDF, calibrated linear SVM) and
for a baseline measured in the same run (word-unigram TF-IDF + logistic regression):
accuracy and macro-F1 by stratified K-fold cross-validation, training time on all examples,
and per-ticket classification latency (median, p99) one text at a time, as a server
classifies, and for models that give probabilities the expected calibration error (ECE: the
gap between confidence and accuracy, averaged over 10 confidence bins), which the triage
threshold relies on. `--alternatives` also scores other linear models and feature sets.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as a plain script from any directory, whether or not the project is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from routing.classifier import Classifier, _features, build_pipeline, score
from routing.training import read_csv

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpora/tickets_banking77/train.csv"


def baseline() -> Pipeline:
    return Pipeline([("features", TfidfVectorizer()), ("model", LogisticRegression(max_iter=1000))])


def ours() -> Pipeline:
    return build_pipeline()


def _default_tokens() -> Pipeline:
    pipeline = build_pipeline()
    words = pipeline.named_steps["features"].transformer_list[0][1]
    words.set_params(token_pattern=TfidfVectorizer().token_pattern)
    return pipeline


def _without_embeddings() -> Pipeline:
    pipeline = build_pipeline()
    union = pipeline.named_steps["features"]
    union.set_params(transformer_list=[(n, t) for n, t in union.transformer_list if n != "meaning"])
    return pipeline


ALTERNATIVES: dict[str, Callable[[], Pipeline]] = {
    "ours without the pretrained embeddings (n-grams only)": _without_embeddings,
    "ours: word+char, logistic regression (C=20)": lambda: Pipeline(
        [("features", _features()), ("model", LogisticRegression(C=20, max_iter=2000))]
    ),
    "ours with scikit-learn's default word tokens (2+ characters)": lambda: _default_tokens(),
    "ours: word+char, SGD modified-huber, calibrated": lambda: Pipeline(
        [
            ("features", _features()),
            (
                "model",
                CalibratedClassifierCV(
                    SGDClassifier(loss="modified_huber", alpha=2e-5, random_state=0), cv=3
                ),
            ),
        ]
    ),
}


def calibration_error(truth: Sequence[str], labels: Sequence[str], confidence: Any) -> float:
    """Expected calibration error over 10 equal-width confidence bins."""
    right = np.array([t == p for t, p in zip(truth, labels, strict=True)], dtype=float)
    confidence = np.asarray(confidence, dtype=float)
    bins = np.minimum((confidence * 10).astype(int), 9)
    return float(
        sum(
            abs(right[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
            for b in range(10)
            if (bins == b).any()
        )
    )


def cross_validated(
    make: Callable[[], Pipeline], texts: Sequence[str], labels: Sequence[str], folds: int
) -> tuple[float, float, float | None]:
    x = np.array(list(texts), dtype=object)
    y = np.array(list(labels), dtype=object)
    truth: list[str] = []
    predicted: list[str] = []
    confidence: list[float] = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        model = make().fit(list(x[train]), list(y[train]))
        truth.extend(y[test])
        if hasattr(model, "predict_proba"):
            probabilities = model.predict_proba(list(x[test]))
            predicted.extend(model.classes_[probabilities.argmax(axis=1)])
            confidence.extend(probabilities.max(axis=1))
        else:
            predicted.extend(model.predict(list(x[test])))
    s = score(truth, predicted)
    ece = calibration_error(truth, predicted, confidence) if confidence else None
    return s.accuracy, s.macro_f1, ece


def timed_training(
    make: Callable[[], Pipeline], texts: list[str], labels: list[str]
) -> tuple[Any, float, float]:
    """The trained model, and the seconds it took on the clock and of this process's CPU."""
    start, cpu = time.perf_counter(), time.process_time()
    model = make().fit(texts, labels)
    return model, time.perf_counter() - start, time.process_time() - cpu


def _median_p99(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def latencies(model: Any, texts: Sequence[str]) -> tuple[float, float, float, float]:
    """Milliseconds per single ticket, median and p99, on the clock and of this thread's CPU
    (the CPU figures hold on a shared machine, where the clock also counts waiting for a core):
    our pipelines through `Classifier.predict` (the server's path), others `predict_proba`."""
    classify: Callable[[str], Any] = (
        Classifier(model).predict
        if "features" in model.named_steps
        and hasattr(model.named_steps["features"], "transformer_list")
        else lambda text: model.predict_proba([text])
    )
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts:
        start, thread = time.perf_counter(), time.thread_time()
        classify(text)
        cpu.append((time.thread_time() - thread) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return (*_median_p99(wall), *_median_p99(cpu))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", nargs="?", default=str(DEFAULT))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--alternatives", action="store_true")
    args = parser.parse_args()
    texts, labels = read_csv(Path(args.csv), "text", "category")
    print(f"{len(texts)} examples, {len(set(labels))} categories, {args.folds}-fold CV")
    sample = texts[:: max(1, len(texts) // 1000)][:1000]
    results: dict[str, tuple[float, ...]] = {}
    contenders = {"baseline: word unigrams, logistic regression": baseline, "ours": ours}
    if args.alternatives:
        contenders.update(ALTERNATIVES)
    for name, make in contenders.items():
        accuracy, macro_f1, ece = cross_validated(make, texts, labels, args.folds)
        model, seconds, cpu_seconds = timed_training(make, texts, labels)
        median, p99, cpu_median, cpu_p99 = latencies(model, sample)
        results[name] = (accuracy, macro_f1, seconds, median, p99, cpu_seconds, cpu_median)
        print(
            f"{name}:\n  accuracy={accuracy:.4f} macro_f1={macro_f1:.4f}"
            + (f" calibration_error={ece:.4f}" if ece is not None else "")
            + f"\n  training={seconds:.1f}s (cpu {cpu_seconds:.1f}s) on {len(texts)} examples"
            f"\n  latency median={median:.2f}ms p99={p99:.2f}ms"
            f" (cpu median={cpu_median:.2f}ms p99={cpu_p99:.2f}ms) per ticket",
            flush=True,
        )
    base = results["baseline: word unigrams, logistic regression"]
    for name, result in results.items():
        accuracy, macro_f1, seconds, median, p99, cpu_seconds, cpu_median = (
            r / b for r, b in zip(result, base, strict=True)
        )
        print(
            f"{name}: accuracy x{accuracy:.3f}, macro-F1 x{macro_f1:.3f}, "
            f"training x{seconds:.2f} (cpu x{cpu_seconds:.2f}), latency median x{median:.2f}, "
            f"p99 x{p99:.2f}, cpu median x{cpu_median:.2f} (vs baseline)"
        )


if __name__ == "__main__":
    main()
