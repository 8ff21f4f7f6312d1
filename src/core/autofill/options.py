"""Which visible option of a select, listbox or radio group means the value to choose:
SAT codes, their descriptions, months and free text, never a guess between two."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from satcfdi.catalogs import select

from autofactura.core.autofill.meanings import Meaning
from autofactura.core.autofill.text import compact, find_phrase, normalize
from autofactura.core.fiscal.catalogs import (
    CFDI_USES,
    TAX_SYSTEMS,
    cfdi_use_description,
    tax_system_description,
)

_PLACEHOLDER_WORDS = frozenset(
    "selecciona seleccione seleccionar elige elija escoge escoja select choose ninguno".split()
)
# A split date's selects start with the part's name ("Día", "Mes", "Año") as placeholder.
_PLACEHOLDER_TEXTS = frozenset("dia mes ano anio dd mm aa aaaa yyyy hora".split())
# Words that carry no meaning in a catalog description ("Régimen de los ingresos por…").
_FILLER = frozenset("regimen de del la las los el y o e en por para con a al".split())

PAYMENT_FORM_CODES = ("01", "02", "03", "04", "05", "06", "08", "28", "29", "30", "31", "99")
# What portals write instead of the SAT descriptions.
_ALIASES: dict[Meaning, dict[str, tuple[str, ...]]] = {
    Meaning.TAX_SYSTEM: {
        "601": ("general de ley", "regimen general de ley"),
        "605": ("sueldos y salarios", "asalariados"),
        "612": ("actividades empresariales y profesionales",),
        "616": ("sin obligaciones fiscales",),
        "621": ("rif",),
        "626": ("resico", "simplificado de confianza"),
    },
    Meaning.CFDI_USE: {"G03": ("gastos en general",), "S01": ("sin efectos fiscales",)},
    Meaning.PAYMENT_FORM: {
        "01": ("efectivo", "cash"),
        "02": ("cheque",),
        "03": ("transferencia", "spei", "transferencia electronica"),
        "04": ("tarjeta de credito", "credito"),
        "28": ("tarjeta de debito", "debito"),
        "99": ("por definir",),
    },
}
_PAYMENT_WORDS = frozenset("efectivo cheque transferencia tarjeta credito debito monedero".split())
MONTH_NAMES = (
    ("enero", "ene", "january", "jan"),
    ("febrero", "feb", "february"),
    ("marzo", "mar", "march"),
    ("abril", "abr", "april", "apr"),
    ("mayo", "may"),
    ("junio", "jun", "june"),
    ("julio", "jul", "july"),
    ("agosto", "ago", "august", "aug"),
    ("septiembre", "setiembre", "sep", "sept", "set", "september"),
    ("octubre", "oct", "october"),
    ("noviembre", "nov", "november"),
    ("diciembre", "dic", "december", "dec"),
)


def is_placeholder_option(text: str) -> bool:
    """ "Selecciona…", "-- Elige --" and empty options stand for "nothing chosen"."""
    words = normalize(text).split()
    return not words or words[0] in _PLACEHOLDER_WORDS or " ".join(words) in _PLACEHOLDER_TEXTS


@lru_cache(maxsize=64)
def _payment_form_description(code: str) -> str | None:
    value = select("C756_c_FormaPago", code)
    return value if isinstance(value, str) else None


def _catalog(meaning: Meaning) -> dict[str, tuple[str, ...]]:
    """Code -> the texts (SAT description first, then aliases) that name it."""
    if meaning is Meaning.TAX_SYSTEM:
        codes, describe = tuple(TAX_SYSTEMS), tax_system_description
    elif meaning is Meaning.CFDI_USE:
        codes, describe = tuple(CFDI_USES), cfdi_use_description
    else:
        codes, describe = PAYMENT_FORM_CODES, _payment_form_description
    aliases = _ALIASES[meaning]
    return {code: (describe(code) or "", *aliases.get(code, ())) for code in codes}


def _significant(text: str, codes: frozenset[str] = frozenset()) -> frozenset[str]:
    return frozenset(w for w in normalize(text).split() if w not in _FILLER and w not in codes)


def _unique(options: Sequence[str], tests: Sequence[Callable[[str], bool]]) -> int | None:
    """The index the first discriminating test picks; None when it picks several."""
    candidates = [i for i, option in enumerate(options) if not is_placeholder_option(option)]
    for test in tests:
        hits = [i for i in candidates if test(options[i])]
        if hits:
            return hits[0] if len(hits) == 1 else None
    return None


def _has_code(option: str, code: str, meaning: Meaning) -> bool:
    words = normalize(option).split()
    if code.lower() in words:
        return True
    # Payment forms are numbers portals write without the leading zero ("1 - Efectivo").
    return (
        meaning is Meaning.PAYMENT_FORM
        and bool(words)
        and words[0].isdigit()
        and (int(words[0]) == int(code))
    )


def _code_for(meaning: Meaning, value: str) -> str | None:
    catalog = _catalog(meaning)
    upper = value.strip().upper()
    if meaning is Meaning.PAYMENT_FORM and upper.isdigit():
        upper = upper.zfill(2)
    if upper in catalog:
        return upper
    wanted = _significant(value)
    for code, texts in catalog.items():
        if any(_significant(text) == wanted for text in texts if text):
            return code
    return None


def _pick_catalog(options: Sequence[str], meaning: Meaning, code: str) -> int | None:
    texts = [text for text in _catalog(meaning)[code] if text]
    codes = frozenset(normalize(c) for c in _catalog(meaning))
    names = [_significant(text) for text in texts]

    def words(option: str) -> frozenset[str]:
        return _significant(option, codes)

    return _unique(
        options,
        [
            lambda option: _has_code(option, code, meaning),
            lambda option: words(option) in names,
            lambda option: bool(words(option)) and any(words(option) <= n for n in names),
            lambda option: any(n and n <= words(option) for n in names),
        ],
    )


def _number(text: str) -> int | None:
    words = normalize(text).split()
    return int(words[0]) if words and words[0].isdigit() else None


def _month_number(value: str) -> int | None:
    number = _number(value)
    if number is not None:
        return number
    word = normalize(value)
    return next((i + 1 for i, names in enumerate(MONTH_NAMES) if word in names), None)


def _pick_date_part(options: Sequence[str], meaning: Meaning, value: str) -> int | None:
    number = _month_number(value) if meaning is Meaning.MONTH else _number(value)
    if number is None:
        return None
    month_names = MONTH_NAMES[number - 1] if meaning is Meaning.MONTH and 0 < number <= 12 else ()
    return _unique(
        options,
        [
            lambda option: _number(option) == number,
            lambda option: any(word in month_names for word in normalize(option).split()),
            # Two-digit years ("24") when the list has no four-digit ones.
            lambda option: meaning is Meaning.YEAR and _number(option) == number % 100,
        ],
    )


def _pick_text(options: Sequence[str], value: str) -> int | None:
    wanted = normalize(value)
    if not wanted:
        return None
    number = _number(value) if wanted.isdigit() else None
    return _unique(
        options,
        [
            lambda option: normalize(option) == wanted,
            lambda option: compact(option) == compact(value),
            lambda option: number is not None and _number(option) == number,
            lambda option: find_phrase(normalize(option), wanted) == 0,
            lambda option: find_phrase(normalize(option), wanted) is not None,
            lambda option: (
                bool(_significant(option)) and find_phrase(wanted, normalize(option)) is not None
            ),
        ],
    )


def pick_option(options: Sequence[str], meaning: Meaning, value: str) -> int | None:
    """The index of the option that means `value`, or None when none or several do."""
    if meaning in (Meaning.TAX_SYSTEM, Meaning.CFDI_USE, Meaning.PAYMENT_FORM):
        code = _code_for(meaning, value)
        return _pick_text(options, value) if code is None else _pick_catalog(options, meaning, code)
    if meaning in (Meaning.DAY, Meaning.MONTH, Meaning.YEAR):
        return _pick_date_part(options, meaning, value)
    return _pick_text(options, value)


def options_meaning(options: Sequence[str]) -> Meaning | None:
    """What a list of options is a list of, when its entries say so (SAT codes, months…)."""
    real = [option for option in options if not is_placeholder_option(option)]
    if len(real) < 2:
        return None
    for meaning in (Meaning.TAX_SYSTEM, Meaning.CFDI_USE):
        codes = frozenset(normalize(code) for code in _catalog(meaning))
        if sum(1 for o in real if codes & set(normalize(o).split())) * 2 >= len(real):
            return meaning
    words = [set(normalize(option).split()) for option in real]
    if sum(1 for w in words if w & _PAYMENT_WORDS) >= 2:
        return Meaning.PAYMENT_FORM
    months = {name for names in MONTH_NAMES for name in names}
    if sum(1 for w in words if w & months) >= 6:
        return Meaning.MONTH
    numbers = [_number(option) for option in real]
    if all(n is not None and 1900 <= n <= 2100 for n in numbers):
        return Meaning.YEAR
    if len(real) >= 28 and all(n is not None and 1 <= n <= 31 for n in numbers):
        return Meaning.DAY
    return None
