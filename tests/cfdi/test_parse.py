"""parse_cfdi and looks_like_cfdi: real-world variants read, everything else refused in Spanish."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from autofactura.core.cfdi import Cfdi, NotACfdi, looks_like_cfdi, parse_cfdi
from tests.support.cfdi_factory import make_cfdi, make_pdf

UUID = "6F4B2C1A-3D5E-4F60-8A7B-9C0D1E2F3A4B"
CFDI_NS = b'xmlns:cfdi="http://www.sat.gob.mx/cfd/4"'
PAGOS = (
    b'<pago20:Pagos xmlns:pago20="http://www.sat.gob.mx/Pagos20" Version="2.0">'
    b'<pago20:Totales MontoTotalPagos="116.00"/></pago20:Pagos>'
)
IMPLOCAL = (
    b'<implocal:ImpuestosLocales xmlns:implocal="http://www.sat.gob.mx/implocal" version="1.0" '
    b'TotaldeRetenciones="0.00" TotaldeTraslados="1.00"/>'
)


def invoice(**changes: str) -> bytes:
    fields = {
        "receptor_rfc": "WAL9709244W4",
        "receptor_name": "NUEVA WAL MART DE MEXICO",
        "receptor_zip": "01000",
        "receptor_tax_system": "601",
        "cfdi_use": "G03",
        "total": "1234.56",
        "folio": "F-1001",
        "series": "A",
        "uuid": UUID,
        "issued_at": "2025-03-14T12:30:00",
    } | changes
    return make_cfdi(**fields)


def refusal(data: bytes | str) -> str:
    with pytest.raises(NotACfdi) as caught:
        parse_cfdi(data)
    message = str(caught.value)
    assert re.search(r"\b(el|la|de|del|no|un|una)\b", message, re.I), message
    return message


def test_round_trip_of_the_factory() -> None:
    assert parse_cfdi(invoice()) == Cfdi(
        uuid=UUID,
        version="4.0",
        total=Decimal("1234.56"),
        issued_at="2025-03-14T12:30:00",
        series="A",
        folio="F-1001",
        issuer_rfc="EKU9003173C9",
        issuer_name="ESCUELA KEMPER URGATE",
        issuer_tax_system="601",
        receptor_rfc="WAL9709244W4",
        receptor_name="NUEVA WAL MART DE MEXICO",
        receptor_zip="01000",
        receptor_tax_system="601",
        cfdi_use="G03",
        stamped_at="2025-03-14T12:30:42",
    )


def test_optional_fields_absent_are_none_and_uuid_is_uppercased() -> None:
    cfdi = parse_cfdi(make_cfdi(
        receptor_rfc="xaxx010101000", receptor_name="PUBLICO EN GENERAL", receptor_zip="01000",
        receptor_tax_system="616", cfdi_use="S01", total=Decimal("10"), uuid=UUID.lower(),
    ))  # fmt: skip
    assert (cfdi.uuid, cfdi.receptor_rfc, cfdi.folio, cfdi.series) == (
        UUID,
        "XAXX010101000",
        None,
        None,
    )


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(b"\xef\xbb\xbf" + invoice(), id="utf8-bom"),
        pytest.param(b"\xef\xbb\xbf\r\n  \n" + invoice(), id="bom-and-leading-whitespace"),
        pytest.param(invoice().decode(), id="str"),
        pytest.param("\ufeff\n" + invoice().decode(), id="str-with-bom"),
        pytest.param(invoice().split(b"\n", 1)[1], id="no-declaration"),
        pytest.param(
            invoice().replace(b"cfdi:", b"c:").replace(b"xmlns:cfdi=", b"xmlns:c="),
            id="other-prefix",
        ),
        pytest.param(
            invoice().replace(b"cfdi:", b"").replace(b"xmlns:cfdi=", b"xmlns="),
            id="default-namespace",
        ),
    ],
)
def test_real_world_variants(variant: bytes | str) -> None:
    cfdi = parse_cfdi(variant)
    assert (cfdi.uuid, cfdi.receptor_rfc, cfdi.total) == (
        UUID,
        "WAL9709244W4",
        Decimal("1234.56"),
    )
    assert looks_like_cfdi(variant)


def test_attribute_order_does_not_matter() -> None:
    root = etree.fromstring(invoice())
    for element in root.iter():
        attributes = list(element.attrib.items())
        element.attrib.clear()
        for key, value in reversed(attributes):
            element.set(key, value)
    reordered = etree.tostring(root)
    assert reordered != invoice()
    assert parse_cfdi(reordered) == parse_cfdi(invoice())


def test_extra_complements_and_addenda() -> None:
    stamp_at = invoice().index(b"<tfd:TimbreFiscalDigital")
    data = invoice()[:stamp_at] + PAGOS + IMPLOCAL + invoice()[stamp_at:]
    data = data.replace(
        b"</cfdi:Comprobante>", b"<cfdi:Addenda><x>1</x></cfdi:Addenda></cfdi:Comprobante>"
    )
    assert parse_cfdi(data).uuid == UUID


def test_latin1_declared_encoding() -> None:
    text = invoice(receptor_name="PEÑA NIETO SOFÍA").decode()
    data = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert parse_cfdi(data).receptor_name == "PEÑA NIETO SOFÍA"


def test_cfdi_33_is_refused() -> None:
    data = (
        invoice()
        .replace(b"http://www.sat.gob.mx/cfd/4", b"http://www.sat.gob.mx/cfd/3")
        .replace(b'Version="4.0"', b'Version="3.3"')
    )
    message = refusal(data)
    assert "3.3" in message and "4.0" in message
    assert looks_like_cfdi(data), "sniffed as a CFDI so the caller gets this precise refusal"


def test_version_attribute_must_be_4() -> None:
    assert "versión" in refusal(invoice().replace(b'Version="4.0"', b'Version="4.1"'))


def test_unstamped_cfdi_is_refused() -> None:
    data = re.sub(rb"<cfdi:Complemento>.*</cfdi:Complemento>", b"", invoice(), flags=re.S)
    assert "Timbre Fiscal Digital" in refusal(data)


def test_stamp_without_valid_uuid_is_refused() -> None:
    assert "UUID" in refusal(invoice().replace(UUID.encode(), b"not-a-uuid"))


@pytest.mark.parametrize("party", ["Receptor", "Emisor"])
def test_missing_party_is_refused(party: str) -> None:
    data = re.sub(rf"<cfdi:{party} [^>]*/>".encode(), b"", invoice())
    assert f"cfdi:{party}" in refusal(data)


def test_party_without_rfc_is_refused() -> None:
    assert "receptor" in refusal(invoice().replace(b'Rfc="WAL9709244W4"', b""))


def test_bad_total_is_refused() -> None:
    assert "total" in refusal(invoice().replace(b'Total="1234.56"', b'Total="mil"'))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(make_pdf("Factura"), id="pdf"),
        pytest.param(b"<html><body>Tu factura</body></html>", id="html"),
        pytest.param(b'{"uuid": "x"}', id="json"),
        pytest.param(invoice()[:-40], id="truncated"),
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
    ],
)
def test_not_xml_is_refused(data: bytes) -> None:
    refusal(data)


def test_other_xml_is_refused() -> None:
    message = refusal(b'<?xml version="1.0"?><Acuse xmlns="http://cancelacfd.sat.gob.mx"/>')
    assert "cfdi:Comprobante" in message


def test_billion_laughs_is_refused_without_expanding() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    body = invoice().decode().split("\n", 1)[1].replace('Folio="F-1001"', 'Folio="&lol9;"')
    data = f'<?xml version="1.0"?>\n<!DOCTYPE cfdi:Comprobante [{entities}]>\n{body}'
    assert "DOCTYPE" in refusal(data.encode())


BODY = invoice().split(b"\n", 1)[1]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<!DOCTYPE cfdi:Comprobante>\n" + BODY, id="plain"),
        pytest.param(b'<?xml version="1.0"?><!-- <a> --><!doctype x>' + BODY, id="after-comment"),
        pytest.param(("<!DOCTYPE cfdi:Comprobante>" + BODY.decode()).encode("utf-16"), id="utf-16"),
    ],
)
def test_any_doctype_is_refused(data: bytes) -> None:
    assert "DOCTYPE" in refusal(data)


def test_utf16_cfdi_is_read() -> None:
    assert parse_cfdi(BODY.decode().encode("utf-16")).uuid == UUID


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the server makes a handler per request

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY secret "FETCHED">')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    _Counting.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Counting.hits
    finally:
        server.shutdown()
        server.server_close()


def test_external_entities_are_neither_fetched_nor_read(
    counting_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, hits = counting_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = invoice().decode().split("\n", 1)[1].replace('Folio="F-1001"', 'Folio="&file;&web;"')
    doctype = (
        f'<!DOCTYPE cfdi:Comprobante SYSTEM "{url}/dtd" [<!ENTITY file SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY web SYSTEM "{url}/entity"><!ENTITY % remote SYSTEM "{url}/pe"> %remote;]>'
    )
    message = refusal(f'<?xml version="1.0"?>\n{doctype}\n{body}'.encode())
    assert "TOP-SECRET" not in message and "FETCHED" not in message
    assert hits == []


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04", make_pdf("x"), b"<html/>", b"\xff" * 10, "<?xml?>", b"<" * 100_000],
)
def test_looks_like_cfdi_is_false_for_other_things(data: bytes | str) -> None:
    assert looks_like_cfdi(data) is False


def test_looks_like_cfdi_tolerates_broken_xml_that_names_a_comprobante() -> None:
    assert looks_like_cfdi(invoice()[:500])
