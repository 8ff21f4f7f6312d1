"""Text normalization shared by the autofill classifiers: portals differ in case, accents,
punctuation and identifier style, the meaning does not."""

from __future__ import annotations

import re
import unicodedata

# Dotted abbreviations ("R.F.C.", "C.P", "E.S.") become one word before punctuation is
# dropped, so "C.P." reads "cp" and not "c p".
_DOTTED_ABBREVIATION = re.compile(r"(?<![a-z0-9])(?:[a-z]\.)+[a-z](?![a-z0-9])\.?")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# ASP.NET naming containers, form prefixes and widget-type prefixes carry no meaning.
_IDENTIFIER_SEPARATORS = re.compile(r"[$:.\[\]_\-\s/]+")
_CONTAINER_SEGMENT = re.compile(
    r"ctl\d+|contentplaceholder\d*|cph\w*|maincontent|mainbody|body|content\d*|form\d*",
    re.IGNORECASE,
)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGIT_BOUNDARY = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_WIDGET_PREFIXES = frozenset(
    "txt ddl cbo cmb sel select chk inp tb tbx lst rb rbl rdo opt fld input field hdn ctrl".split()
)
# Prefixes glued to a lowercase word ("txtrfc"); only those no Spanish word starts with.
_GLUED_PREFIX = re.compile(r"^(?:txt|ddl|cbo|cmb|chk|hdn|tbx)(?=[a-z]{2,})")


def strip_accents(text: str) -> str:
    """Drop combining marks: "Régimen" -> "Regimen", "Año" -> "Ano"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str | None) -> str:
    """Casefolded, accent-free words separated by single spaces: "R.F.C." -> "rfc"."""
    if not text:
        return ""
    folded = strip_accents(text).casefold()
    folded = _DOTTED_ABBREVIATION.sub(lambda match: match.group().replace(".", ""), folded)
    return _NOT_WORD.sub(" ", folded).strip()


def identifier_words(identifier: str | None) -> str:
    """The words inside a name or id: "ctl00$MainContent$txtRazonSocial" -> "razon social"."""
    if not identifier:
        return ""
    words: list[str] = []
    for segment in _IDENTIFIER_SEPARATORS.split(identifier):
        if not segment or _CONTAINER_SEGMENT.fullmatch(segment):
            continue
        split = _DIGIT_BOUNDARY.sub(" ", _CAMEL_BOUNDARY.sub(" ", segment))
        tokens = normalize(split).split()
        if len(tokens) > 1 and tokens[0] in _WIDGET_PREFIXES:
            tokens = tokens[1:]
        words.extend(_GLUED_PREFIX.sub("", token) for token in tokens)
    return " ".join(word for word in words if word)


def find_phrase(text: str, phrase: str) -> int | None:
    """The word position where `phrase` starts in `text` (both normalized), or None."""
    words = text.split()
    wanted = phrase.split()
    if not wanted:
        return None
    for start in range(len(words) - len(wanted) + 1):
        if words[start : start + len(wanted)] == wanted:
            return start
    return None


def has_phrase(text: str, phrase: str) -> bool:
    """Whether normalized `phrase` occurs in normalized `text` on word boundaries."""
    return find_phrase(text, phrase) is not None


def compact(text: str) -> str:
    """Normalized text without spaces, to compare "Web ID" with "WebID"."""
    return normalize(text).replace(" ", "")
