"""How to type a ticket's date, amount and time into a portal's field, from the field's
type and the format hints it shows ("dd/mm/aaaa", "$0.00", "hh:mm")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from autofactura.core.autofill.classify import Control

_PART = r"(dd|mm|aaaa|yyyy|aa|yy)"
_PATTERN_HINT = re.compile(rf"(?<![a-z]){_PART}([/\-. ]?){_PART}\2{_PART}(?![a-z])", re.I)
_EXAMPLE_DMY = re.compile(r"(?<!\d)(\d{1,2})([/\-.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_EXAMPLE_YMD = re.compile(r"(?<!\d)(\d{4})([/\-.])(\d{1,2})\2(\d{1,2})(?!\d)")
_GROUPED_HINT = re.compile(r"\d,\d{3}")
_TIME_VALUE = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*")
_SECONDS_HINT = re.compile(r"hh?\s*:\s*mm\s*:\s*ss", re.I)
_MERIDIEM_HINT = re.compile(r"\b(a\.\s?m\.|am/pm|am|pm|a\.m|p\.m)", re.I)


@dataclass(frozen=True)
class DateFormat:
    """The order of day, month and year, what separates them and how many year digits."""

    order: str = "dmy"  # "dmy" | "mdy" | "ymd"
    separator: str = "/"
    year_digits: int = 4

    def render(self, day: date) -> str:
        year = f"{day.year:04d}"[-self.year_digits :]
        parts = {"d": f"{day.day:02d}", "m": f"{day.month:02d}", "y": year}
        return self.separator.join(parts[letter] for letter in self.order)


ISO_DATE = DateFormat("ymd", "-", 4)
# What Mexican portals expect when nothing says otherwise.
MEXICAN_DATE = DateFormat()


def _hints(control: Control) -> list[str]:
    texts = (control.placeholder, control.title, control.label, control.aria_label)
    return [text for text in (*texts, control.preceding_text) if text]


def _from_pattern(match: re.Match[str]) -> DateFormat | None:
    parts = [match.group(1).lower(), match.group(3).lower(), match.group(4).lower()]
    letters = "".join("d" if p == "dd" else "m" if p == "mm" else "y" for p in parts)
    if sorted(letters) != ["d", "m", "y"]:
        return None
    year = next(p for p in parts if p[0] in "ay")
    return DateFormat(letters, match.group(2), len(year))


def _from_example(text: str) -> DateFormat | None:
    """A sample date in the hint ("31/12/2024"): day first unless it cannot be."""
    if match := _EXAMPLE_YMD.search(text):
        return DateFormat("ymd", match.group(2), 4)
    if match := _EXAMPLE_DMY.search(text):
        order = "mdy" if int(match.group(3)) > 12 >= int(match.group(1)) else "dmy"
        return DateFormat(order, match.group(2), len(match.group(4)))
    return None


def date_format(control: Control) -> DateFormat:
    """The format the control wants: its type, then the first hint text that shows one."""
    if control.type == "date":
        return ISO_DATE
    for text in _hints(control):
        match = _PATTERN_HINT.search(text)
        found = _from_pattern(match) if match else _from_example(text)
        if found is not None:
            return found
    return MEXICAN_DATE


def format_date(iso_date: str, control: Control) -> str:
    """The ticket date (YYYY-MM-DD) as the control wants it typed."""
    day = date.fromisoformat(iso_date.strip())
    if control.type == "datetime-local":
        return f"{day.isoformat()}T00:00"
    return date_format(control).render(day)


def _amount(total: str) -> Decimal:
    cleaned = total.strip().replace("$", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {total!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not an amount: {total!r}")
    # Tickets print cents; keep more digits only when the buyer typed them.
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return amount.quantize(Decimal("0.01"))
    return amount


def format_amount(total: str, control: Control) -> str:
    """The ticket total as the control wants it: plain "1234.50" unless the field shows a
    thousands separator or a currency mask ("$0.00", "0,000.00"), then "1,234.50".

    A "$" is never typed: currency-masked fields draw it themselves, and a typed "$"
    makes most of them (and every number input) reject the value.
    """
    amount = _amount(total)
    plain = f"{amount:f}"
    if control.type == "number":
        return plain
    hint = " ".join(text.strip() for text in (control.placeholder, control.title) if text)
    if not (_GROUPED_HINT.search(hint) or hint.startswith("$")):
        return plain
    grouped = f"{amount:,f}"
    fits = control.max_length is None or len(grouped) <= control.max_length
    return grouped if fits else plain


def format_time(value: str, control: Control) -> str:
    """A ticket time ("14:05" or "14:05:30") as the control wants it: "HH:MM" by default,
    with seconds or a 12-hour clock when the field's hint shows them."""
    match = _TIME_VALUE.fullmatch(value)
    if match is None:
        raise ValueError(f"not a time: {value!r}")
    try:
        moment = time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    except ValueError as error:
        raise ValueError(f"not a time: {value!r}") from error
    hint = " ".join(_hints(control))
    seconds = _SECONDS_HINT.search(hint) is not None or control.max_length == 8
    if control.type == "time":
        seconds = moment.second != 0
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    meridiem = _MERIDIEM_HINT.search(hint) if control.type != "time" else None
    if meridiem is None:
        return clock
    twelve = moment.strftime("%I:%M:%S" if seconds else "%I:%M")
    if "." in meridiem.group(1):
        return f"{twelve} {'a.m.' if moment.hour < 12 else 'p.m.'}"
    return f"{twelve} {'AM' if moment.hour < 12 else 'PM'}"
