"""The installed classifier: a model file and its metadata JSON in the data directory.

The model is written to a temporary file and renamed into place, so a worker loading it
never sees half a file; metadata says when it was trained, on what, and how well it did.
The file is a pickle (joblib) written by us into our own data directory: never load one
from elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routing.classifier import Classifier

# joblib, scikit-learn and the classifier are imported where a model is saved or loaded: every
# process imports this module, and scikit-learn alone takes a second or more to import.

MODEL_FILE = "classifier.joblib"
META_FILE = "classifier.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    trained_at: str  # ISO 8601 UTC
    source: str  # "tickets" or "csv:<file name>"
    n: int
    categories: int
    cv_folds: int
    cv_accuracy: float | None
    cv_macro_f1: float | None
    training_seconds: float
    sklearn_version: str = field(default_factory=lambda: metadata.version("scikit-learn"))
    embeddings: str | None = None  # `routing.embeddings.source()`; None in older files


def model_dir(data_dir: Path) -> Path:
    return data_dir / "routing"


def save(data_dir: Path, classifier: Classifier, info: ModelInfo) -> None:
    import joblib

    folder = model_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp_model = folder / f".{MODEL_FILE}.{os.getpid()}"
    tmp_meta = folder / f".{META_FILE}.{os.getpid()}"
    joblib.dump(classifier.pipeline, tmp_model)
    tmp_meta.write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
    tmp_model.replace(folder / MODEL_FILE)
    tmp_meta.replace(folder / META_FILE)


def load_info(data_dir: Path) -> ModelInfo | None:
    path = model_dir(data_dir) / META_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return ModelInfo(**data)


@dataclass
class ModelCache:
    """Loads the installed model once and again only when its file changes (a retrain)."""

    data_dir: Path
    _mtime: float | None = None
    _classifier: Classifier | None = None

    def get(self) -> Classifier | None:
        path = model_dir(self.data_dir) / MODEL_FILE
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            self._mtime, self._classifier = None, None
            return None
        if mtime != self._mtime:
            import joblib

            from routing.classifier import Classifier

            classifier = Classifier(joblib.load(path))
            problem = classifier.stale()
            if problem:
                # Routing goes on by rules alone rather than failing every new ticket.
                log.warning("routing model %s not used: %s", path, problem)
            self._classifier = None if problem else classifier
            self._mtime = mtime
        return self._classifier
