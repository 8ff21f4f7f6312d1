"""Test data for invoices: a realistic stamped CFDI 4.0 XML, a one-page PDF and ZIPs of them."""

from __future__ import annotations

import base64
import io
import os
import uuid as uuid_module
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

CFDI = "http://www.sat.gob.mx/cfd/4"
TFD = "http://www.sat.gob.mx/TimbreFiscalDigital"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
for _prefix, _uri in (("cfdi", CFDI), ("tfd", TFD), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)

_CENT = Decimal("0.01")
_IVA = Decimal("0.16")
_ISSUER_ZIP = "42501"
_CERTIFICATE_NUMBER = "30001000000500003416"
_SAT_CERTIFICATE_NUMBER = "30001000000500003456"


def _seal() -> str:
    # Stands in for an RSA-SHA256 signature: same alphabet and length as a real one.
    return base64.b64encode(os.urandom(256)).decode()


def _split_total(total: Decimal) -> tuple[Decimal, Decimal]:
    """Subtotal and 16% VAT that add up to the total, with VAT rounded from the subtotal."""
    guess = (total / (1 + _IVA)).quantize(_CENT, ROUND_HALF_UP)
    for subtotal in (guess, guess - _CENT, guess + _CENT):
        vat = (subtotal * _IVA).quantize(_CENT, ROUND_HALF_UP)
        if subtotal + vat == total:
            return subtotal, vat
    return guess, total - guess


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _add(parent: ET.Element, name: str, namespace: str = CFDI, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, _tag(namespace, name), attributes)


def _concept(parent: ET.Element, subtotal: Decimal, vat: Decimal) -> None:
    concepts = _add(parent, "Conceptos")
    concept = _add(
        concepts,
        "Concepto",
        ClaveProdServ="01010101",
        NoIdentificacion="TICKET",
        Cantidad="1",
        ClaveUnidad="ACT",
        Unidad="Actividad",
        Descripcion="Venta según ticket",
        ValorUnitario=str(subtotal),
        Importe=str(subtotal),
        ObjetoImp="02",
    )
    taxes = _add(_add(concept, "Impuestos"), "Traslados")
    _add(
        taxes,
        "Traslado",
        Base=str(subtotal),
        Impuesto="002",
        TipoFactor="Tasa",
        TasaOCuota="0.160000",
        Importe=str(vat),
    )


def _taxes(parent: ET.Element, subtotal: Decimal, vat: Decimal) -> None:
    taxes = _add(parent, "Impuestos", TotalImpuestosTrasladados=str(vat))
    _add(
        _add(taxes, "Traslados"),
        "Traslado",
        Base=str(subtotal),
        Impuesto="002",
        TipoFactor="Tasa",
        TasaOCuota="0.160000",
        Importe=str(vat),
    )


def _stamp(parent: ET.Element, uuid: str, stamped_at: str, seal: str) -> None:
    complement = _add(parent, "Complemento")
    stamp = _add(complement, "TimbreFiscalDigital", TFD)
    stamp.set(
        _tag(XSI, "schemaLocation"),
        f"{TFD} http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/"
        "TimbreFiscalDigitalv11.xsd",
    )
    for key, value in (
        ("Version", "1.1"),
        ("UUID", uuid),
        ("FechaTimbrado", stamped_at),
        ("RfcProvCertif", "SAT970701NN3"),
        ("SelloCFD", seal),
        ("NoCertificadoSAT", _SAT_CERTIFICATE_NUMBER),
        ("SelloSAT", _seal()),
    ):
        stamp.set(key, value)


def _comprobante(
    *,
    total: Decimal,
    subtotal: Decimal,
    issued_at: str,
    seal: str,
    folio: str | None,
    series: str | None,
) -> ET.Element:
    root = ET.Element(_tag(CFDI, "Comprobante"))
    schema = "http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd"
    root.set(_tag(XSI, "schemaLocation"), f"{CFDI} {schema}")
    attributes = {
        "Version": "4.0",
        "Serie": series,
        "Folio": folio,
        "Fecha": issued_at,
        "Sello": seal,
        "FormaPago": "01",
        "NoCertificado": _CERTIFICATE_NUMBER,
        "Certificado": base64.b64encode(os.urandom(1200)).decode(),
        "SubTotal": str(subtotal),
        "Moneda": "MXN",
        "Total": str(total),
        "TipoDeComprobante": "I",
        "Exportacion": "01",
        "MetodoPago": "PUE",
        "LugarExpedicion": _ISSUER_ZIP,
    }
    for key, value in attributes.items():
        if value is not None:
            root.set(key, value)
    return root


def make_cfdi(
    *,
    receptor_rfc: str,
    receptor_name: str,
    receptor_zip: str,
    receptor_tax_system: str,
    cfdi_use: str,
    total: str | Decimal,
    issuer_rfc: str = "EKU9003173C9",
    issuer_name: str = "ESCUELA KEMPER URGATE",
    folio: str | None = None,
    series: str | None = None,
    uuid: str | None = None,
    issued_at: str | None = None,
) -> bytes:
    """A stamped CFDI 4.0 (ingreso, PUE, one concept with 16% VAT) as a portal would send it."""
    amount = Decimal(total).quantize(_CENT, ROUND_HALF_UP)
    subtotal, vat = _split_total(amount)
    issued = issued_at or (datetime.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    stamped_at = (datetime.fromisoformat(issued) + timedelta(seconds=42)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    seal = _seal()
    root = _comprobante(
        total=amount, subtotal=subtotal, issued_at=issued, seal=seal, folio=folio, series=series
    )
    _add(root, "Emisor", Rfc=issuer_rfc, Nombre=issuer_name, RegimenFiscal="601")
    _add(
        root,
        "Receptor",
        Rfc=receptor_rfc,
        Nombre=receptor_name,
        DomicilioFiscalReceptor=receptor_zip,
        RegimenFiscalReceptor=receptor_tax_system,
        UsoCFDI=cfdi_use,
    )
    _concept(root, subtotal, vat)
    _taxes(root, subtotal, vat)
    _stamp(root, uuid or str(uuid_module.uuid4()).upper(), stamped_at, seal)
    body = ET.tostring(root, encoding="unicode")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8")


def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    lines = [f"({line}) Tj T*" for line in escaped.splitlines() or [""]]
    stream = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(lines) + " ET"
    return stream.encode("cp1252", errors="replace")


def make_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF (Helvetica, correct xref) that shows the text."""
    content = _pdf_text(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_zip(files: dict[str, bytes]) -> bytes:
    """A deflated ZIP with these member names (kept verbatim, "../x" included) and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def receptor_of(profile: Mapping[str, str]) -> dict[str, str]:
    """make_cfdi's receptor arguments for a profile in the API's JSON shape (taxId, …)."""
    return {
        "receptor_rfc": profile["taxId"],
        "receptor_name": profile["legalName"],
        "receptor_zip": profile["zip"],
        "receptor_tax_system": profile["taxSystem"],
        "cfdi_use": profile["cfdiUse"],
    }
