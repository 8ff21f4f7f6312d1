"""Table-driven tests of the CFDI 4.0 receptor rules in autofactura.core.fiscal."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from stdnum.mx import rfc as stdnum_rfc

from autofactura.core.fiscal import (
    CFDI_USES,
    TAX_SYSTEMS,
    FieldProblem,
    FiscalProfileData,
    RfcCheck,
    check_tax_id,
    normalize_profile,
    normalize_tax_id,
    person_type,
    validate_profile,
    zip_exists,
)

# Real-looking RFCs whose mod-11 digit stdnum confirms (see test_fixture_tax_ids_are_valid).
MORAL = "WAL9709244W4"
MORAL_2 = "SAT970701NN3"
MORAL_AMPERSAND = "A&C850101BC2"
FISICA = "GODE561231GR8"
FISICA_2 = "FIPL750101K25"
FISICA_ENYE = "MUÑO800101AB3"
PUBLIC = "XAXX010101000"
FOREIGN = "XEXX010101000"
BIG = "Ñ|\x00" * 34_000  # about 100 kB of garbage

BASE_MORAL = FiscalProfileData(MORAL, "NUEVA WAL MART DE MEXICO", "601", "01000", "G03", "a@b.mx")
BASE_FISICA = FiscalProfileData(FISICA, "EMMA GOMEZ DIAZ", "612", "64000", "D01", "emma@x.com.mx")


def moral(**changes: str) -> FiscalProfileData:
    return replace(BASE_MORAL, **changes)


def fisica(**changes: str) -> FiscalProfileData:
    return replace(BASE_FISICA, **changes)


def codes(problems: list[FieldProblem]) -> set[tuple[str, str]]:
    return {(problem.field, problem.code) for problem in problems}


def assert_spanish(problems: list[FieldProblem]) -> None:
    for problem in problems:
        assert problem.message.strip()
        assert re.search(r"\b(el|la|de|del|tu|un|una)\b", problem.message, re.I), problem.message


Expected = set[tuple[str, str]]
OK: Expected = set()
BAD_RFC = {("taxId", "INVALID_TAX_ID")}
DIGIT = {("taxId", "TAX_ID_CHECK_DIGIT")}
NAME = {("legalName", "INVALID_LEGAL_NAME")}
PERSON = {("taxSystem", "TAX_SYSTEM_PERSON_TYPE")}
NO_REGIME = {("taxSystem", "UNKNOWN_TAX_SYSTEM")}
USE = {("cfdiUse", "CFDI_USE_TAX_SYSTEM")}
NO_USE = {("cfdiUse", "UNKNOWN_CFDI_USE")}
BAD_ZIP = {("zip", "INVALID_ZIP")}
NO_ZIP = {("zip", "UNKNOWN_ZIP")}
EMAIL = {("email", "INVALID_EMAIL")}
_BAD_EMAIL_TEXT = "a,a@b,a@@b.mx,a@b@c.mx,a@b..mx,a@.mx,a@b.mx.,@b.mx"
BAD_EMAILS = [*_BAD_EMAIL_TEXT.split(","), "", "a b@c.mx", "a@b.mx\x00", "x" * 250 + "@b.mx"]


def case(name: str, data: FiscalProfileData, expected: Expected, confirmed: bool = False) -> object:
    return pytest.param(data, confirmed, expected, id=name)


CASES = [
    case("moral ok", moral(), OK),
    case("moral 603 G01", moral(tax_id=MORAL_2, tax_system="603", cfdi_use="G01"), OK),
    case("moral with &", moral(tax_id=MORAL_AMPERSAND, cfdi_use="I04"), OK),
    case("fisica ok", fisica(), OK),
    case("fisica with Ñ", fisica(tax_id=FISICA_ENYE.lower()), OK),
    case("fisica 605 CN01", fisica(tax_id=FISICA_2, tax_system="605", cfdi_use="CN01"), OK),
    case("fisica 626 G03", fisica(tax_system="626", cfdi_use="G03"), OK),
    case("moral 626 G03", moral(tax_system="626"), OK),
    case("fisica 621 I01", fisica(tax_system="621", cfdi_use="I01"), OK),
    case("fisica 616 S01", fisica(tax_system="616", cfdi_use="S01"), OK),
    case("messy", fisica(tax_id=" gode-561231.gr8 ", cfdi_use=" d10 ", zip=" 64000 "), OK),
    case("public generic", fisica(tax_id=PUBLIC, tax_system="616", cfdi_use="S01"), OK),
    case("foreign generic", fisica(tax_id=FOREIGN, tax_system="616", cfdi_use="S01"), OK),
    # Check digit: refused unless the buyer confirms it is as printed by the SAT.
    case("bad digit", moral(tax_id="WAL9709244W5"), DIGIT),
    case("bad digit confirmed", moral(tax_id="WAL9709244W5"), OK, confirmed=True),
    case("odd homoclave", fisica(tax_id="GODE561231002"), DIGIT),
    case("odd homoclave confirmed", fisica(tax_id="GODE561231002"), OK, confirmed=True),
    # Bad formats never reach the person-type checks, confirmed or not.
    case("empty rfc", moral(tax_id=""), BAD_RFC),
    case("short rfc", moral(tax_id="WAL970924"), BAD_RFC, confirmed=True),
    case("no homoclave", fisica(tax_id="GODE561231"), BAD_RFC),
    case("14 chars", fisica(tax_id=FISICA + "X"), BAD_RFC),
    case("bad month", moral(tax_id="WAL9713244W4"), BAD_RFC),
    case("no 29 Feb", fisica(tax_id="CAMA9002294H0"), BAD_RFC),
    case("digit first", moral(tax_id="1AL9709244W4"), BAD_RFC),
    case("underscore", moral(tax_id="WAL_9709244W4"), BAD_RFC),
    case("blacklisted", fisica(tax_id="PUTO800101AB6"), BAD_RFC),
    case("bad rfc bad regime", fisica(tax_id="X", tax_system="601"), BAD_RFC),
    # Person type vs regime, and no use check on top of a wrong regime.
    case("moral 612 D01", moral(tax_system="612", cfdi_use="D01"), PERSON),
    case("fisica 601", fisica(tax_system="601"), PERSON),
    case("digit and regime", fisica(tax_id="GODE561231GR9", tax_system="601"), DIGIT | PERSON),
    # CFDI use vs regime.
    case("D01 moral", moral(cfdi_use="D01"), USE),
    case("D01 with 626", fisica(tax_system="626"), USE),
    case("G03 with 605", fisica(tax_system="605", cfdi_use="G03"), USE),
    case("G03 with 616", fisica(tax_system="616", cfdi_use="G03"), USE),
    case("CN01 with 612", fisica(cfdi_use="CN01"), USE),
    case("CN01 moral", moral(cfdi_use="CN01"), USE),
    case("G03 with 610", moral(tax_system="610"), USE),
    # Unknown catalog codes, and no consistency check on top of them.
    case("unknown regime", fisica(tax_system="999", cfdi_use="CN01"), NO_REGIME),
    case("withdrawn 609", moral(tax_system="609"), NO_REGIME),
    case("empty regime", moral(tax_system=""), NO_REGIME),
    case("withdrawn P01", moral(cfdi_use="P01"), NO_USE),
    case("unknown use", moral(cfdi_use="G04"), NO_USE),
    # Generic RFCs: regime 616 and use S01.
    case("public 601", fisica(tax_id=PUBLIC, tax_system="601", cfdi_use="S01"), PERSON),
    case("public G03", fisica(tax_id=PUBLIC, tax_system="616", cfdi_use="G03"), USE),
    case("public 612 G03", fisica(tax_id=PUBLIC, tax_system="612", cfdi_use="G03"), PERSON),
    case("foreign G03", fisica(tax_id=FOREIGN, tax_system="616", cfdi_use="G03"), USE),
    # Zip codes; 99999 is a real entry of the SAT's c_CodigoPostal.
    case("zip 99999", moral(zip="99999"), OK),
    case("zip 00001", moral(zip="00001"), NO_ZIP),
    case("zip 00100", moral(zip="00100"), NO_ZIP),
    case("zip 1234", moral(zip="1234"), BAD_ZIP),
    case("zip abcde", moral(zip="abcde"), BAD_ZIP),
    case("zip 6 digits", moral(zip="010000"), BAD_ZIP),
    case("zip arabic digits", moral(zip="٠١٠٠٠"), BAD_ZIP),
    case("zip empty", moral(zip=""), BAD_ZIP),
    # Legal names.
    case("name blank", moral(legal_name=" \t "), NAME),
    case("name only company type", moral(legal_name="S.A. DE C.V."), OK),
    case("name 254", fisica(legal_name="A" * 254), OK),
    case("name 255", fisica(legal_name="A" * 255), NAME),
    case("name NUL", fisica(legal_name="EMMA\x00"), NAME),
    case("name pipe", fisica(legal_name="EMMA|GOMEZ"), NAME),
    case("name zero width", fisica(legal_name="EMMA\u200b"), NAME),
    # Emails.
    case("email messy ok", moral(email=" Foo.Bar+x@Example.COM.MX "), OK),
    *(case(f"email {email[:12]!r}", moral(email=email), EMAIL) for email in BAD_EMAILS),
    # Huge inputs never raise.
    case(
        "100 kB everywhere",
        FiscalProfileData(BIG, BIG, BIG, BIG, BIG, BIG),
        BAD_RFC | NAME | NO_REGIME | NO_USE | BAD_ZIP | EMAIL,
        confirmed=True,
    ),
    case("100 kB name", moral(legal_name="ACME " * 20_000 + "SA DE CV"), NAME),
]


@pytest.mark.parametrize(("data", "confirmed", "expected"), CASES)
def test_validate_profile(data: FiscalProfileData, confirmed: bool, expected: Expected) -> None:
    problems = validate_profile(data, tax_id_confirmed=confirmed)
    assert codes(problems) == expected
    assert len(problems) == len(expected)
    assert_spanish(problems)


@pytest.mark.parametrize("code", sorted(TAX_SYSTEMS))
@pytest.mark.parametrize("tax_id", [MORAL, FISICA])
def test_every_regime_against_person_type(code: str, tax_id: str) -> None:
    system = TAX_SYSTEMS[code]
    allowed = system.for_moral if person_type(tax_id) == "moral" else system.for_fisica
    problems = validate_profile(moral(tax_id=tax_id, tax_system=code, cfdi_use="S01"))
    expected = OK if allowed else PERSON
    assert codes(problems) == expected
    if problems:
        assert code in problems[0].message
        assert f"persona {'moral' if tax_id == MORAL else 'física'}" in problems[0].message


def test_regime_and_use_tables_match_domain() -> None:
    moral_only = {c for c, s in TAX_SYSTEMS.items() if s.for_moral and not s.for_fisica}
    fisica_only = {c for c, s in TAX_SYSTEMS.items() if s.for_fisica and not s.for_moral}
    both = {c for c, s in TAX_SYSTEMS.items() if s.for_moral and s.for_fisica}
    assert moral_only == {"601", "603", "620", "622", "623", "624"}
    assert fisica_only == set("605 606 607 608 611 612 614 615 616 621 625".split())
    assert both == {"610", "626"}
    assert TAX_SYSTEMS["601"].description == "General de Ley Personas Morales"
    assert CFDI_USES["G03"].description == "Gastos en general"
    assert CFDI_USES["CN01"].tax_systems == {"605"}
    assert all(set(TAX_SYSTEMS) == CFDI_USES[c].tax_systems for c in ("S01", "CP01"))
    assert {c for c, u in CFDI_USES.items() if u.fisica_only} == {f"D{n:02d}" for n in range(1, 11)}
    assert not {"605", "616"} & CFDI_USES["G03"].tax_systems


def test_messages_name_what_is_wrong() -> None:
    digit = validate_profile(moral(tax_id="WAL9709244W5"))[0].message
    assert "Constancia de Situación Fiscal" in digit and "confírmalo" in digit
    use = validate_profile(fisica(tax_system="605", cfdi_use="G03"))[0].message
    assert "G03" in use and "605" in use
    public = validate_profile(fisica(tax_id=PUBLIC, tax_system="601", cfdi_use="S01"))[0].message
    assert "616" in public


@pytest.mark.parametrize(
    ("tax_id", "raw", "expected"),
    [
        (MORAL, "Nueva  Wal Mart de México, S. de R.L. de C.V.", "NUEVA WAL MART DE MÉXICO"),
        (MORAL, "acme sa de cv", "ACME"),
        (MORAL, "ACME, S.A. DE C.V.", "ACME"),
        (MORAL, "Acme S.A.P.I. de C.V.", "ACME"),
        (MORAL, "Acme S.A.B. de C.V.", "ACME"),
        (MORAL, "Despacho Pérez, S.C.", "DESPACHO PÉREZ"),
        (MORAL, "Fundación Niños, A.C.", "FUNDACIÓN NIÑOS"),
        (MORAL, "Acme S.A.", "ACME"),
        (MORAL, "Acme S. de R.L.", "ACME"),
        (MORAL, "Acme Sociedad Anónima de Capital Variable", "ACME"),
        (MORAL, "Casa Sanchez", "CASA SANCHEZ"),
        (MORAL, "S.A. de C.V.", "S.A. DE C.V."),
        (FISICA, "emma gómez sa", "EMMA GÓMEZ SA"),
    ],
)
def test_legal_name_normalization(tax_id: str, raw: str, expected: str) -> None:
    assert normalize_profile(moral(tax_id=tax_id, legal_name=raw)).legal_name == expected


@pytest.mark.parametrize(
    ("raw", "normalized", "kind", "check"),
    [
        (" wal-970924.4w4 ", MORAL, "moral", RfcCheck.OK),
        ("gode 561231 gr8", FISICA, "fisica", RfcCheck.OK),
        (PUBLIC, PUBLIC, "fisica", RfcCheck.OK),
        (FOREIGN, FOREIGN, "fisica", RfcCheck.OK),
        ("WAL9709244W5", "WAL9709244W5", "moral", RfcCheck.BAD_CHECK_DIGIT),
        ("WAL9713244W4", "WAL9713244W4", "moral", RfcCheck.BAD_FORMAT),
    ],
)
def test_rfc_helpers(raw: str, normalized: str, kind: str, check: RfcCheck) -> None:
    assert normalize_tax_id(raw) == normalized
    assert person_type(raw) == kind
    assert check_tax_id(raw) is check


def test_person_type_rejects_other_lengths() -> None:
    with pytest.raises(ValueError, match="12 or 13"):
        person_type("ABC")


def test_fixture_tax_ids_are_valid() -> None:
    for tax_id in (MORAL, MORAL_2, MORAL_AMPERSAND, FISICA, FISICA_2, FISICA_ENYE):
        assert stdnum_rfc.validate(tax_id, validate_check_digits=True) == tax_id


@pytest.mark.parametrize("zip_code", ["01000", "99999", "00001", "1234", "abcde", "", BIG])
def test_zip_exists(zip_code: str) -> None:
    assert zip_exists(zip_code) is (zip_code in ("01000", "99999"))


def test_random_garbage_never_raises() -> None:
    rng = random.Random(4)
    alphabet = "AZaz09Ññ&-. |@\x00\t\n\u200b,éÓ" + "".join(map(chr, range(0x80, 0x100)))
    for _ in range(300):
        fields = ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(6)]
        problems = validate_profile(FiscalProfileData(*fields), tax_id_confirmed=rng.random() < 0.5)
        assert_spanish(problems)
