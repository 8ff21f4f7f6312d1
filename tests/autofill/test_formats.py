"""Typing dates, amounts and times the way each field wants them."""

from __future__ import annotations

from functools import partial

import pytest

from autofactura.core.autofill.classify import Control
from autofactura.core.autofill.formats import (
    MEXICAN_DATE,
    DateFormat,
    date_format,
    format_amount,
    format_date,
    format_time,
)

text = partial(Control, "input")


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        (text(type="date"), "2024-03-07"),
        (text(type="date", placeholder="dd/mm/aaaa"), "2024-03-07"),
        (text(type="datetime-local"), "2024-03-07T00:00"),
        (text(placeholder="dd/mm/aaaa"), "07/03/2024"),
        (text(placeholder="DD/MM/AAAA"), "07/03/2024"),
        (text(placeholder="dd-mm-yyyy"), "07-03-2024"),
        (text(placeholder="aaaa-mm-dd"), "2024-03-07"),
        (text(placeholder="mm/dd/aaaa"), "03/07/2024"),
        (text(placeholder="dd/mm/aa"), "07/03/24"),
        (text(placeholder="dd.mm.aaaa"), "07.03.2024"),
        (text(title="Formato: MM/DD/YYYY"), "03/07/2024"),
        (text(label="Fecha (ddmmaaaa)"), "07032024"),
        (text(label="Fecha de compra", preceding_text="Formato aaaa/mm/dd"), "2024/03/07"),
        # A sample date: day first (Mexican) unless the first number cannot be a day.
        (text(placeholder="ej. 31/12/2024"), "07/03/2024"),
        (text(placeholder="12/31/2024"), "03/07/2024"),
        (text(placeholder="2024-12-31"), "2024-03-07"),
        # Nothing says: the Mexican default.
        (text(label="Fecha"), "07/03/2024"),
        (text(), "07/03/2024"),
    ],
)
def test_format_date(control: Control, expected: str) -> None:
    assert format_date("2024-03-07", control) == expected


def test_date_format_defaults_to_mexican() -> None:
    assert date_format(text()) == MEXICAN_DATE == DateFormat("dmy", "/", 4)


def test_format_date_refuses_what_is_not_a_date() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        format_date("07/03/2024", text())


@pytest.mark.parametrize(
    ("total", "control", "expected"),
    [
        ("1234.50", text(), "1234.50"),
        ("1234.5", text(), "1234.50"),
        ("99", text(), "99.00"),
        ("$1,234.50", text(), "1234.50"),
        ("1234.50", text(type="number"), "1234.50"),
        ("1234.50", text(type="number", placeholder="0,000.00"), "1234.50"),
        ("1234.50", text(placeholder="$0.00"), "1,234.50"),
        ("1234.50", text(placeholder="0,000.00"), "1,234.50"),
        ("1234567.5", text(placeholder="$ 0.00"), "1,234,567.50"),
        ("12.5", text(placeholder="$0.00"), "12.50"),
        ("1234.50", text(placeholder="0.00"), "1234.50"),
        # A grouped amount that does not fit the field is typed plain.
        ("1234.50", text(placeholder="$0.00", max_length=7), "1234.50"),
        # More than cents only when the buyer typed them.
        ("10.125", text(), "10.125"),
    ],
)
def test_format_amount(total: str, control: Control, expected: str) -> None:
    assert format_amount(total, control) == expected
    assert "$" not in format_amount(total, control)


@pytest.mark.parametrize("total", ["", "abc", "12,34.5.6", "NaN", "Infinity"])
def test_format_amount_refuses_what_is_not_an_amount(total: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        format_amount(total, text())


@pytest.mark.parametrize(
    ("value", "control", "expected"),
    [
        ("14:05", text(), "14:05"),
        ("9:05", text(), "09:05"),
        ("14:05:30", text(), "14:05"),
        ("14:05", text(type="time"), "14:05"),
        ("14:05:30", text(type="time"), "14:05:30"),
        ("14:05", text(placeholder="hh:mm:ss"), "14:05:00"),
        ("14:05", text(max_length=8), "14:05:00"),
        ("14:05", text(placeholder="hh:mm am/pm"), "02:05 PM"),
        ("09:05", text(placeholder="HH:MM AM"), "09:05 AM"),
        ("14:05", text(placeholder="hh:mm a.m."), "02:05 p.m."),
        ("00:30", text(placeholder="hh:mm a.m./p.m."), "12:30 a.m."),
    ],
)
def test_format_time(value: str, control: Control, expected: str) -> None:
    assert format_time(value, control) == expected


@pytest.mark.parametrize("value", ["", "1405", "25:00", "14:60", "2 pm"])
def test_format_time_refuses_what_is_not_a_time(value: str) -> None:
    with pytest.raises(ValueError, match="time"):
        format_time(value, text())
