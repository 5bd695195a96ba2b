"""The pretrained embeddings: installed with the package (no download), they let the
classifier recognise wording its training tickets never used, and a model is never fed
vectors other than those it was trained with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from routing import embeddings, model_store
from routing.classifier import train
from routing.training import train_and_install
from tests.routing.samples import labelled


def test_texts_that_mean_the_same_lie_closer_than_unrelated_ones() -> None:
    card, waiting, pin, top_up, add_money = embeddings.embed(
        [
            "my card has not arrived yet",
            "still waiting for the card to be delivered",
            "how do I change my PIN",
            "top up my account",
            "add money to my balance",
        ]
    )
    assert card @ waiting > card @ pin + 0.3
    assert top_up @ add_money > max(top_up @ pin, top_up @ card) + 0.1
    assert np.linalg.norm(card) == pytest.approx(1.0)


def test_empty_text_is_a_zero_row() -> None:
    rows = embeddings.embed(["", "refund"])
    assert not rows[0].any() and rows[1].any()


def test_classifier_recognises_wording_its_training_never_used() -> None:
    # None of these words ("mouse", "shipment", "authentication", "cash"...) is in the
    # training phrases; with n-gram features alone every one of them is misfiled.
    unseen = {
        "my mouse stopped working": "hardware",
        "my phone's battery is dead": "hardware",
        "headphones make no sound": "hardware",
        "the shipment hasn't shown up": "delivery",
        "the postman lost my shipment": "delivery",
        "still waiting for my shipment": "delivery",
        "authentication fails": "login",
        "give me my cash back": "refunds",
    }
    texts, labels = labelled()
    classifier, _ = train(texts, labels)
    assert {text: classifier.predict(text).label for text in unseen} == unseen


def test_installed_model_names_its_vectors_and_does_not_carry_them(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=15)
    now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    info = train_and_install(tmp_path, texts, labels, source="csv:x.csv", now=now)
    assert info.embeddings is not None and info.embeddings.startswith("wordllama 0.4")
    # The vector table is 33 MB; the model file only names it.
    model_file = model_store.model_dir(tmp_path) / model_store.MODEL_FILE
    assert model_file.stat().st_size < 5_000_000


def test_a_model_trained_on_other_vectors_is_not_used(tmp_path: Path) -> None:
    texts, labels = labelled(per_category=10)
    classifier, _ = train(texts, labels)
    step = classifier.pipeline.named_steps["features"].transformer_list[-1][1]
    step.source_ = "wordllama 0.3.0 l2_supercat_256"  # as a model from an older install
    with pytest.raises(embeddings.StaleEmbeddings, match="retrain"):
        classifier.predict("refund please")
    now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    info = model_store.ModelInfo(now.isoformat(), "tickets", 40, 4, 0, None, None, 1.0)
    model_store.save(tmp_path, classifier, info)
    # The router then classifies nothing (rules still route) until a retrain replaces it.
    assert model_store.ModelCache(tmp_path).get() is None
    train_and_install(tmp_path, texts, labels, source="tickets", now=now)
    fresh = model_store.ModelCache(tmp_path).get()
    assert fresh is not None and fresh.predict("refund please").label == "refunds"
