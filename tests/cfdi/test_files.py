"""invoice_files: XML and PDF found by content, ZIPs opened one level deep within limits."""

from __future__ import annotations

import struct

import pytest

from autofactura.core.cfdi import InvoiceFile, invoice_files, parse_cfdi
from autofactura.core.cfdi.files import MAX_MEMBER_BYTES, MAX_MEMBERS, MAX_TOTAL_BYTES
from tests.support.cfdi_factory import make_cfdi, make_pdf, make_zip

XML = make_cfdi(
    receptor_rfc="WAL9709244W4",
    receptor_name="NUEVA WAL MART DE MEXICO",
    receptor_zip="01000",
    receptor_tax_system="601",
    cfdi_use="G03",
    total="116.00",
)
PDF = make_pdf("Factura A-1001\nTotal $116.00")
MB = 1024 * 1024


def padded_pdf(size: int) -> bytes:
    return PDF + b"\n%" + b"0" * (size - len(PDF) - 2)


def summary(files: list[InvoiceFile]) -> list[tuple[str, str]]:
    return [(file.name, file.kind) for file in files]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("F-1001.xml", XML, ("F-1001.xml", "xml")),
        ("F-1001.XML", XML, ("F-1001.XML", "xml")),
        ("download", XML, ("download.xml", "xml")),
        ("factura.txt", XML.decode().encode("utf-8"), ("factura.txt.xml", "xml")),
        ("F-1001.pdf", PDF, ("F-1001.pdf", "pdf")),
        ("getFile.aspx", PDF, ("getFile.aspx.pdf", "pdf")),
        ("", PDF, ("factura.pdf", "pdf")),
    ],
)
def test_single_file_is_classified_by_content(
    name: str, data: bytes, expected: tuple[str, str]
) -> None:
    [found] = invoice_files(name, data)
    assert (found.name, found.kind) == expected
    assert found.data == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("factura.xml", b"<html><body>Error 500</body></html>"),
        ("acuse.xml", b'<Acuse xmlns="http://cancelacfd.sat.gob.mx" Fecha="2025-01-01"/>'),
        ("factura.pdf", b"<html>not a pdf</html>"),
        ("factura.xml", b""),
        ("truncated.bin", XML[:600]),
        ("notes.txt", b"Gracias por su compra"),
    ],
)
def test_other_files_are_ignored(name: str, data: bytes) -> None:
    assert invoice_files(name, data) == []


def test_broken_cfdi_named_xml_is_kept_for_parse_to_explain() -> None:
    [found] = invoice_files("F-1001.xml", XML[:600])
    assert found.kind == "xml"


def test_cfdi_33_is_kept_for_parse_to_refuse() -> None:
    old = XML.replace(b"/cfd/4", b"/cfd/3").replace(b'Version="4.0"', b'Version="3.3"')
    assert summary(invoice_files("old", old)) == [("old.xml", "xml")]


def test_zip_with_xml_and_pdf() -> None:
    archive = make_zip({"A-1001.xml": XML, "A-1001.pdf": PDF, "LEEME.txt": b"hola", "img/": b""})
    files = invoice_files("factura.zip", archive)
    assert summary(files) == [("A-1001.xml", "xml"), ("A-1001.pdf", "pdf")]
    assert [file.data for file in files] == [XML, PDF]
    assert parse_cfdi(files[0].data).total == parse_cfdi(XML).total


def test_nested_zip_is_opened_one_level_deep() -> None:
    deepest = make_zip({"deep.xml": XML})
    inner = make_zip(
        {"inner.xml": XML, "inner.pdf": PDF, "deeper.zip": make_zip({"x.zip": deepest})}
    )
    outer = make_zip({"outer.pdf": PDF, "inner.zip": inner})
    assert summary(invoice_files("outer.zip", outer)) == [
        ("outer.pdf", "pdf"),
        ("inner.xml", "xml"),
        ("inner.pdf", "pdf"),
    ]
    level_two = make_zip({"a.zip": make_zip({"b.zip": make_zip({"c.xml": XML})})})
    assert invoice_files("level-two.zip", level_two) == []


def test_zip_slip_members_are_skipped_and_paths_dropped() -> None:
    archive = make_zip({
        "../evil.xml": XML,
        "/etc/abs.xml": XML,
        "\\windows.xml": XML,
        "C:\\temp\\drive.xml": XML,
        "ok/../../up.pdf": PDF,
        "..\\back.pdf": PDF,
        "facturas/2025/A-1001.xml": XML,
    })  # fmt: skip
    assert summary(invoice_files("f.zip", archive)) == [("A-1001.xml", "xml")]


def test_same_name_in_two_folders_is_not_overwritten() -> None:
    archive = make_zip({"a/factura.xml": XML, "b/factura.xml": XML, "factura": XML})
    assert [file.name for file in invoice_files("f.zip", archive)] == [
        "factura.xml",
        "factura-2.xml",
        "factura-3.xml",
    ]


def test_member_count_is_limited() -> None:
    archive = make_zip({f"{index:03}.pdf": PDF for index in range(MAX_MEMBERS + 10)})
    files = invoice_files("many.zip", archive)
    assert [file.name for file in files] == [f"{index:03}.pdf" for index in range(MAX_MEMBERS)]


def test_member_count_covers_nested_zips() -> None:
    half = make_zip({f"{index:03}.pdf": PDF for index in range(MAX_MEMBERS // 2 + 5)})
    archive = make_zip({"one.zip": half, "two.zip": half})
    # Two archive members plus their contents share one budget of MAX_MEMBERS.
    assert len(invoice_files("f.zip", archive)) == MAX_MEMBERS - 2


def test_member_size_is_limited() -> None:
    archive = make_zip({"big.pdf": padded_pdf(MAX_MEMBER_BYTES + 1), "ok.xml": XML})
    assert summary(invoice_files("f.zip", archive)) == [("ok.xml", "xml")]
    archive = make_zip({"just-fits.pdf": padded_pdf(MAX_MEMBER_BYTES)})
    assert summary(invoice_files("f.zip", archive)) == [("just-fits.pdf", "pdf")]


def test_total_size_is_limited() -> None:
    eight = padded_pdf(8 * MB)
    archive = make_zip({"1.pdf": eight, "2.pdf": eight, "3.pdf": eight, "small.xml": XML})
    assert 3 * len(eight) > MAX_TOTAL_BYTES >= 2 * len(eight) + len(XML)
    assert [file.name for file in invoice_files("f.zip", archive)] == [
        "1.pdf",
        "2.pdf",
        "small.xml",
    ]


def lie_about_size(archive: bytes, claimed: int) -> bytes:
    """Rewrite the uncompressed size in every header, as a crafted zip bomb would."""
    patched = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset : start + offset + 4] = struct.pack("<I", claimed)
            start = patched.find(signature, start + 4)
    return bytes(patched)


def test_a_member_lying_about_its_size_is_not_returned() -> None:
    archive = lie_about_size(make_zip({"bomb.pdf": padded_pdf(MAX_MEMBER_BYTES * 2)}), 1000)
    assert invoice_files("bomb.zip", archive) == []


def test_corrupt_or_encrypted_zip_is_ignored() -> None:
    assert invoice_files("broken.zip", b"PK\x03\x04" + b"\x00" * 100) == []
    archive = bytearray(make_zip({"secret.xml": XML}))
    central = archive.find(b"PK\x01\x02")
    archive[central + 8] |= 0x01  # the "encrypted" flag: zipfile cannot read it without a password
    assert invoice_files("locked.zip", bytes(archive)) == []
