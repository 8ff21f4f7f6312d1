"""What a form control asks for and what a button does, read from every text a portal gives
them (label, aria-label, placeholder, title, name/id, nearby text, options)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import urlsplit

from autofactura.core.autofill.meanings import (
    ADVANCE_PHRASES,
    ANOTHER_INVOICE_PHRASES,
    BACK_PHRASES,
    CONFIRM_WORDS,
    CONTEXT_VETO_PHRASES,
    DOWNLOAD_WORDS,
    EXACT_ONLY,
    EXACT_ONLY_MEANING,
    LOOKUP_PHRASES,
    MARKETING_PHRASES,
    PAYMENT_METHOD_PHRASES,
    SEARCH_WORDS,
    STAMP_NOUNS,
    STAMP_VERBS,
    STAMP_WORDS,
    STRONG_PHRASES,
    VETO_PHRASES,
    WEAK_PHRASES,
    Meaning,
)
from autofactura.core.autofill.options import options_meaning
from autofactura.core.autofill.text import compact, find_phrase, has_phrase, identifier_words
from autofactura.core.autofill.text import normalize as normalize_text


@dataclass(frozen=True)
class Control:
    """A form control as the page scan sees it (all texts raw, as the portal wrote them)."""

    # "input" | "select" | "textarea" | "combobox" | "listbox" | "radio-group" | "checkbox"
    tag: str
    type: str = ""  # the input's type attribute, lowercased
    name: str = ""
    id: str = ""
    label: str = ""
    aria_label: str = ""
    placeholder: str = ""
    title: str = ""
    preceding_text: str = ""
    legend: str = ""
    autocomplete: str = ""
    options: tuple[str, ...] = ()  # visible option texts
    max_length: int | None = None


@dataclass(frozen=True)
class Classification:
    """The meaning picked, the buyer's extra label it matched, a 0-1 score and why."""

    meaning: Meaning
    extra_label: str | None
    score: float
    evidence: str  # which text decided it, e.g. "label 'R.F.C.'"


@dataclass(frozen=True)
class _Source:
    kind: str  # how evidence names it: "label", "name", …
    raw: str
    text: str  # normalized words
    weight: float
    own: bool  # the control's own text, not text around it


@dataclass(frozen=True)
class _Candidate:
    meaning: Meaning
    factor: float
    evidence: str
    extra_label: str | None = None


# Tiers within one text: a buyer's extra label said exactly, then strong, then weak phrases.
_EXACT_EXTRA, _STRONG, _WEAK = 3, 2, 1
_TIER_FACTOR = {_EXACT_EXTRA: 1.0, _STRONG: 0.9, _WEAK: 0.7}
_AGREEMENT_BONUS = 0.05
_SKIPPED_TYPES = frozenset("hidden password submit button reset image file search".split())
_EXTRA_STOPWORDS = frozenset("no num numero nro de del la el los las y o n".split())
_RFC_SHAPE = re.compile(r"\b[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}\b")
_EMAIL_SHAPE = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE)
_ZIP_SHAPE = re.compile(r"\s*[0-9]{5}\s*")
_MONEY_SHAPE = re.compile(r"\s*\$\s*[0-9.,]*|\s*0(?:,000)*\.00\s*")
_TYPE_MEANING = {"email": Meaning.EMAIL, "date": Meaning.DATE, "time": Meaning.TIME}
_AUTOCOMPLETE_MEANING = {"email": Meaning.EMAIL, "postal-code": Meaning.ZIP}


def _sources(control: Control) -> list[_Source]:
    texts = (
        ("label", control.label, 1.0, True),
        ("aria-label", control.aria_label, 1.0, True),
        ("placeholder", control.placeholder, 0.8, True),
        ("title", control.title, 0.8, True),
        ("preceding text", control.preceding_text, 0.6, False),
        ("legend", control.legend, 0.5, False),
    )
    sources = [_Source(k, raw, normalize_text(raw), w, own) for k, raw, w, own in texts]
    for kind, raw in (("name", control.name), ("id", control.id)):
        sources.append(_Source(kind, raw, identifier_words(raw), 0.5, True))
    return [source for source in sources if source.text]


def _vetoed(control: Control, sources: Sequence[_Source]) -> bool:
    if control.type in _SKIPPED_TYPES:
        return True
    for source in sources:
        phrases = VETO_PHRASES if source.own else CONTEXT_VETO_PHRASES
        if any(has_phrase(source.text, p) or _in_identifier(source, p) for p in phrases):
            return True
        if source.kind in ("name", "id") and source.text in SEARCH_WORDS:
            return True
    return False


def _in_identifier(source: _Source, phrase: str) -> bool:
    """Lowercase identifiers glue words ("rfcemisor", "formapago"): look inside them."""
    glued = phrase.replace(" ", "")
    return source.kind in ("name", "id") and len(glued) >= 5 and glued in compact(source.text)


class _Hit(NamedTuple):
    tier: int
    position: int  # first word
    length: int  # words
    meaning: Meaning
    extra_label: str | None = None

    def rank(self) -> tuple[int, int, int, bool]:
        """Highest tier, then earliest (Spanish puts the head noun first: "Fecha del
        ticket" is a date), then longest; the buyer's extra label wins what is left."""
        return (self.tier, -self.position, self.length, self.extra_label is not None)

    def overlaps(self, other: _Hit) -> bool:
        return self.position < other.position + other.length and (
            other.position < self.position + self.length
        )


def _phrase_hits(source: _Source) -> list[_Hit]:
    """Every vocabulary phrase the text contains."""
    hits: list[_Hit] = []
    for tier, table in ((_STRONG, STRONG_PHRASES), (_WEAK, WEAK_PHRASES)):
        for meaning, phrases in table.items():
            for phrase in phrases:
                if phrase in EXACT_ONLY:
                    position = 0 if source.text == phrase else None
                else:
                    position = find_phrase(source.text, phrase)
                if position is None and _in_identifier(source, phrase) and " " in phrase:
                    position = 0
                if position is not None:
                    hits.append(_Hit(tier, position, len(phrase.split()), meaning))
    exact = EXACT_ONLY_MEANING.get(source.text)
    if exact is not None:
        hits.append(_Hit(_STRONG, 0, 1, exact))
    return hits


def _extra_hit(source: _Source, extra_labels: Sequence[str]) -> _Hit | None:
    """The buyer's extra label this text names: said exactly, inside it, or around it."""
    found: list[_Hit] = []
    words = source.text.split()
    for label in extra_labels:
        wanted = normalize_text(label)
        if not wanted:
            continue
        if source.text == wanted or compact(source.text) == compact(label):
            return _Hit(_EXACT_EXTRA, 0, len(words), Meaning.EXTRA, label)
        position = find_phrase(source.text, wanted)
        if position is not None:
            found.append(_Hit(_STRONG, position, len(wanted.split()), Meaning.EXTRA, label))
        elif find_phrase(wanted, source.text) is not None and set(words) - _EXTRA_STOPWORDS:
            found.append(_Hit(_STRONG, 0, len(words), Meaning.EXTRA, label))
    return max(found, key=_Hit.rank) if found else None


def _confirms(source: _Source) -> bool:
    words = source.text.split()
    return any(
        word in CONFIRM_WORDS and not (i + 1 < len(words) and words[i + 1] == "que")
        for i, word in enumerate(words)
    )


def _from_text(source: _Source, extra_labels: Sequence[str]) -> _Candidate | None:
    """The one meaning a text names, as ranked by _Hit.rank."""
    hits = _phrase_hits(source)
    extra = _extra_hit(source, extra_labels)
    if extra is not None:
        # A synonym naming the same words ("No. de estación" for the extra "Estación")
        # loses to the buyer's own label for them.
        same_words = [hit for hit in hits if hit.overlaps(extra) and hit.tier <= extra.tier]
        for hit in same_words:
            extra = extra._replace(
                position=min(extra.position, hit.position), length=max(extra.length, hit.length)
            )
        hits.append(extra)
    if not hits:
        return None
    best = max(hits, key=_Hit.rank)
    meaning = best.meaning
    if meaning is Meaning.EMAIL and _confirms(source):
        meaning = Meaning.EMAIL_CONFIRM
    whole = best.tier != _EXACT_EXTRA and best.length == len(source.text.split())
    factor = min(1.0, _TIER_FACTOR[best.tier] + (0.1 if whole else 0.0))
    evidence = f"{source.kind} '{source.raw}'"
    return _Candidate(meaning, source.weight * factor, evidence, best.extra_label)


def _shape_candidates(control: Control) -> list[_Candidate]:
    """Evidence from what the control looks like rather than what it is called."""
    found: list[_Candidate] = []
    hint = control.placeholder or control.title
    if _RFC_SHAPE.search(hint.upper()):
        found.append(_Candidate(Meaning.TAX_ID, 0.6, f"RFC-shaped example '{hint}'"))
    elif _EMAIL_SHAPE.search(hint):
        found.append(_Candidate(Meaning.EMAIL, 0.6, f"e-mail-shaped example '{hint}'"))
    elif _MONEY_SHAPE.fullmatch(hint):
        found.append(_Candidate(Meaning.TOTAL, 0.55, f"amount-shaped example '{hint}'"))
    elif control.max_length == 5 and _ZIP_SHAPE.fullmatch(hint):
        found.append(_Candidate(Meaning.ZIP, 0.45, f"five-digit example '{hint}'"))
    if control.type in _TYPE_MEANING:
        found.append(_Candidate(_TYPE_MEANING[control.type], 0.55, f"type '{control.type}'"))
    autocomplete = control.autocomplete.strip().lower()
    if autocomplete in _AUTOCOMPLETE_MEANING:
        meaning = _AUTOCOMPLETE_MEANING[autocomplete]
        found.append(_Candidate(meaning, 0.6, f"autocomplete '{control.autocomplete}'"))
    listed = options_meaning(control.options)
    if listed is not None:
        found.append(_Candidate(listed, 0.45, f"options like '{_first_option(control)}'"))
    return found


def _first_option(control: Control) -> str:
    return next((option for option in control.options[1:3] if option), control.options[0])


def _payment_method(control: Control, sources: Sequence[_Source]) -> bool | None:
    """None when no text says "método de pago"; else whether it means the payment form."""
    if not any(has_phrase(s.text, p) for s in sources for p in PAYMENT_METHOD_PHRASES):
        return None
    return options_meaning(control.options) is Meaning.PAYMENT_FORM


def _is_checkbox(control: Control) -> bool:
    return control.tag == "checkbox" or control.type == "checkbox"


def _allowed(control: Control, sources: Sequence[_Source], meaning: Meaning) -> bool:
    """A checkbox can only be consent (and not to marketing); consent is only a checkbox."""
    if not _is_checkbox(control):
        return meaning is not Meaning.CONSENT
    marketing = any(has_phrase(s.text, p) for s in sources for p in MARKETING_PHRASES)
    return meaning is Meaning.CONSENT and not marketing


def classify(control: Control, extra_labels: Sequence[str] = ()) -> Classification | None:
    """What the control asks for, or None when it is not something the buyer's data fills."""
    sources = _sources(control)
    if _vetoed(control, sources):
        return None
    method = _payment_method(control, sources)
    if method is False:
        return None
    candidates = [c for s in sources if (c := _from_text(s, extra_labels)) is not None]
    candidates += _shape_candidates(control)
    if method:
        candidates.append(_Candidate(Meaning.PAYMENT_FORM, 0.9, "payment-form options"))
    candidates = [c for c in candidates if _allowed(control, sources, c.meaning)]
    if not candidates:
        return None
    return _decide(candidates)


def _decide(candidates: Sequence[_Candidate]) -> Classification:
    """The meaning with the strongest single piece of evidence, plus a little per other
    piece that agrees. An e-mail field any text calls a confirmation is the confirmation
    (portals often repeat the label "Correo" and say "confirma" only in the name)."""
    best = max(candidates, key=lambda c: c.factor)
    meaning = best.meaning
    if meaning is Meaning.EMAIL and any(c.meaning is Meaning.EMAIL_CONFIRM for c in candidates):
        meaning = Meaning.EMAIL_CONFIRM
    emails = (Meaning.EMAIL, Meaning.EMAIL_CONFIRM)
    agreeing = sum(
        1 for c in candidates if c.meaning is meaning or (meaning in emails and c.meaning in emails)
    )
    score = min(1.0, best.factor + _AGREEMENT_BONUS * (agreeing - 1))
    return Classification(meaning, best.extra_label, round(score, 3), best.evidence)


class ButtonRole(StrEnum):
    """What clicking a button or link would do.

    STAMP is kept for unambiguous stamping words ("Facturar", "Timbrar", "Generar
    factura"). Generic submits ("Enviar", "Aceptar", "Confirmar") are ADVANCE even though,
    on a page holding all the receptor data, they may stamp: the driver decides
    irreversibility from the page's content, not from the button's word alone.
    """

    ADVANCE = "advance"
    STAMP = "stamp"
    DOWNLOAD_XML = "downloadXml"
    DOWNLOAD_PDF = "downloadPdf"
    DOWNLOAD_ZIP = "downloadZip"
    DOWNLOAD_ANY = "downloadAny"
    LOOKUP_EXISTING = "lookupExisting"
    BACK_OR_CANCEL = "backOrCancel"
    OTHER = "other"


_FILE_ROLES = {
    "xml": ButtonRole.DOWNLOAD_XML,
    "pdf": ButtonRole.DOWNLOAD_PDF,
    "zip": ButtonRole.DOWNLOAD_ZIP,
}


def _file_role(href: str, download: str) -> ButtonRole | None:
    """The role a link's target file names (its download name, else its URL path)."""
    for target in (download, urlsplit(href).path if href else ""):
        suffix = PurePosixPath(target.strip()).suffix.lower().lstrip(".")
        if suffix in _FILE_ROLES:
            return _FILE_ROLES[suffix]
    return None


def _download_role(words: set[str]) -> ButtonRole | None:
    kinds = [role for kind, role in _FILE_ROLES.items() if kind in words]
    if len(kinds) == 1:
        return kinds[0]
    if kinds or words & DOWNLOAD_WORDS:
        return ButtonRole.DOWNLOAD_ANY
    return None


def _stamps(text: str, words: set[str]) -> bool:
    if any(has_phrase(text, phrase) for phrase in ANOTHER_INVOICE_PHRASES):
        return False
    verb_and_noun = bool(words & STAMP_VERBS) and bool(words & STAMP_NOUNS)
    return bool(words & STAMP_WORDS) or verb_and_noun or text == "generar"


def classify_button(text: str, *, href: str = "", download: str = "") -> ButtonRole:
    """The role of a button or link from its visible text, link target and download name."""
    from_file = _file_role(href, download)
    if from_file is not None:
        return from_file
    normalized = normalize_text(text)
    words = set(normalized.split())
    if any(has_phrase(normalized, phrase) for phrase in BACK_PHRASES):
        return ButtonRole.BACK_OR_CANCEL
    if any(has_phrase(normalized, phrase) for phrase in LOOKUP_PHRASES):
        return ButtonRole.LOOKUP_EXISTING
    if _stamps(normalized, words):
        return ButtonRole.STAMP
    role = _download_role(words)
    if role is not None:
        return role
    if any(has_phrase(normalized, phrase) for phrase in ADVANCE_PHRASES):
        return ButtonRole.ADVANCE
    return ButtonRole.DOWNLOAD_ANY if download.strip() else ButtonRole.OTHER
