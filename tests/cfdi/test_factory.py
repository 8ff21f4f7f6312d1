"""The test factory's invoices are what real ones look like: SAT-schema valid, consistent sums."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest
from lxml import etree
from satcfdi.exceptions import SchemaValidationError
from satcfdi.transform import validate_xsd

from autofactura.core.cfdi import parse_cfdi
from tests.support.cfdi_factory import make_cfdi, make_pdf, make_zip

# Paths inside satcfdi's bundled copy of the SAT schemas.
SCHEMAS = [
    "www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd",
    "www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd",
]
NS = {"cfdi": "http://www.sat.gob.mx/cfd/4", "tfd": "http://www.sat.gob.mx/TimbreFiscalDigital"}


def cfdi(total: str = "1234.56", **changes: str) -> bytes:
    return make_cfdi(
        receptor_rfc=changes.get("receptor_rfc", "WAL9709244W4"),
        receptor_name=changes.get("receptor_name", "NUEVA WAL MART DE MEXICO"),
        receptor_zip="01000",
        receptor_tax_system="601",
        cfdi_use="G03",
        total=total,
        folio="1001",
        series="A",
    )


@pytest.mark.parametrize("total", ["0.01", "1.00", "17.5", "100.00", "1234.56", "99999.99"])
def test_factory_cfdi_is_valid_against_the_sat_schemas(total: str) -> None:
    validate_xsd(etree.fromstring(cfdi(total)), SCHEMAS)


def test_schema_check_can_fail() -> None:
    with pytest.raises(SchemaValidationError, match="UsoCFDI"):
        validate_xsd(etree.fromstring(cfdi().replace(b'UsoCFDI="G03"', b'UsoCFDI="ZZZ"')), SCHEMAS)


@pytest.mark.parametrize("total", ["0.01", "0.99", "17.5", "100", "1234.56", "1000000.01"])
def test_amounts_add_up(total: str) -> None:
    root = etree.fromstring(cfdi(total))
    subtotal = Decimal(root.get("SubTotal"))
    vat = Decimal(root.find("cfdi:Impuestos", NS).get("TotalImpuestosTrasladados"))
    concept_vat = Decimal(root.find(".//cfdi:Concepto//cfdi:Traslado", NS).get("Importe"))
    assert subtotal + vat == Decimal(root.get("Total")) == Decimal(total)
    assert concept_vat == vat
    assert abs(subtotal * Decimal("0.16") - vat) <= Decimal("0.01")


def test_each_invoice_gets_its_own_uuid_unless_given() -> None:
    first, second = parse_cfdi(cfdi()).uuid, parse_cfdi(cfdi()).uuid
    assert first != second
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", first)


def test_names_with_markup_characters_are_escaped() -> None:
    name = 'A&C "LOS <PINOS>"'
    assert parse_cfdi(cfdi(receptor_name=name)).receptor_name == name


def test_pdf_has_a_consistent_cross_reference_table() -> None:
    pdf = make_pdf("Factura (A-1001) \\ total $116.00\nGracias")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    offsets = re.findall(rb"(\d{10}) 00000 n ", pdf)
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))  # type: ignore[union-attr]
    stream = pdf.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(stream) == length
    assert b"(Factura \\(A-1001\\) \\\\ total $116.00) Tj" in stream
    assert b"(Gracias) Tj" in stream


def test_zip_keeps_names_verbatim() -> None:
    archive = make_zip({"../x.xml": b"1", "a/b.pdf": b"2"})
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == ["../x.xml", "a/b.pdf"]
        assert opened.read("a/b.pdf") == b"2"
