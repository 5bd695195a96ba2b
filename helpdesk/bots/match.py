"""Which knowledge-base article answers a question, and how sure we are: TF-IDF cosine
similarity (scikit-learn) over stemmed content words. Pure: values in, a value out.

Words are cut to their first five letters, the simple stemmer that works well for Turkish
("şifremi", "şifrenizi" and "şifre" meet in "şifre"; Can et al., 2008) and well enough for
English ("password"/"passwords"); function words of both languages are dropped, so "where"
or "nasıl" never make two texts look alike.

The bot answers only when confident: a cosine of at least `THRESHOLD`, most of what the
customer asked about (`COVERAGE` of their content words) present in the article, and the best
article clear of the runner-up by `MARGIN`. One shared word in a long question ("the app
crashes when I *open* the camera" against "*open* My orders") is not an answer, and offering
the wrong article costs the customer a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 0.25
COVERAGE = 0.5
MARGIN = 0.05
STEM = 5

_WORD = re.compile(r"\w+")
_ENGLISH = """a an the and or but if of to in on at by for with from is are was were be been am
do does did i you we it its my your our me us this that these those how what when where why which
who can could will would should please not no yes have has had there here get got hi hello thanks
thank any some just also still"""
_TURKISH = """ve veya ama fakat bir bu şu o ben sen biz siz onlar ne nasıl neden niçin nerede zaman
mı mi mu mü da de ile için gibi çok daha en var yok lütfen benim sizin bana size merhaba
teşekkürler hala hâlâ acaba"""
_STOP = frozenset(_ENGLISH.split()) | frozenset(_TURKISH.split())


@dataclass(frozen=True, slots=True)
class Match:
    article_id: int | None  # None: not confident enough to answer
    score: float
    best_id: int | None  # the best candidate even when not confident (for the record)


def terms(text: str) -> list[str]:
    """Stemmed content words of `text`."""
    # Turkish capitals: İ is i, and I is ı in a text that uses ı (str.lower knows neither).
    lowered = text.replace("İ", "i").replace("I", "ı" if "ı" in text else "i").lower()
    return [
        word[:STEM]
        for word in _WORD.findall(lowered)
        if len(word) >= 3 and not word.isdigit() and word not in _STOP
    ]


def best_article(question: str, articles: Sequence[tuple[int, str]]) -> Match:
    """The article (id, text) that answers `question`, when confident enough."""
    asked = set(terms(question))
    if not asked or not articles:
        return Match(None, 0.0, None)
    # Imported here: every process imports this module, and scikit-learn takes a second or
    # more to import, which each `helpdesk` command would pay before doing anything.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([text for _, text in articles])
    except ValueError:  # no article has a content word
        return Match(None, 0.0, None)
    scores = cosine_similarity(vectorizer.transform([question]), matrix)[0]
    ranked = sorted(range(len(articles)), key=lambda i: float(scores[i]), reverse=True)
    best = ranked[0]
    score = float(scores[best])
    runner_up = float(scores[ranked[1]]) if len(ranked) > 1 else 0.0
    covered = len(asked & set(terms(articles[best][1]))) / len(asked)
    confident = score >= THRESHOLD and covered >= COVERAGE and score - runner_up >= MARGIN
    best_id = articles[best][0] if score > 0 else None
    return Match(best_id if confident else None, round(score, 4), best_id)
