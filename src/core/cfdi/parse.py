"""Reads a stamped CFDI 4.0 (the invoice XML a portal hands over) into a small typed record.

The XML comes from vendors' servers, so it is parsed with a hardened lxml parser: no DTDs,
no entity expansion, no network, default size limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

CFDI_NAMESPACE = "http://www.sat.gob.mx/cfd/4"
CFDI3_NAMESPACE = "http://www.sat.gob.mx/cfd/3"
TFD_NAMESPACE = "http://www.sat.gob.mx/TimbreFiscalDigital"
_NS = {"cfdi": CFDI_NAMESPACE, "tfd": TFD_NAMESPACE}

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A DOCTYPE can only come after the declaration, comments and processing instructions.
_DOCTYPE = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.S | re.I)
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
# A CFDI's namespace and root name sit in its first few hundred bytes; 64 kB is generous.
_SNIFF_WINDOW = 64 * 1024


@dataclass(frozen=True)
class Cfdi:
    """What autofactura reads from a stamped CFDI 4.0: the stamp, the totals and both parties."""

    uuid: str
    version: str
    total: Decimal
    issued_at: str | None
    series: str | None
    folio: str | None
    issuer_rfc: str
    issuer_name: str | None
    issuer_tax_system: str | None
    receptor_rfc: str
    receptor_name: str | None
    receptor_zip: str | None
    receptor_tax_system: str | None
    cfdi_use: str | None
    stamped_at: str | None


class NotACfdi(ValueError):
    """The bytes are not a stamped CFDI 4.0 (message in Spanish, for the buyer)."""


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        # lxml refuses str with an encoding declaration; the text is already decoded, so the
        # declaration no longer applies and re-encoding as UTF-8 is exact.
        text = _XML_DECLARATION.sub("", data.lstrip("\ufeff"), count=1)
        return text.lstrip().encode("utf-8")
    # The XML declaration must be the very first thing; portals sometimes prepend a BOM
    # and a newline.
    return data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")


def _new_parser() -> Any:
    # A parser per call: lxml parser objects must not be shared between worker threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_doctype() -> NotACfdi:
    # A CFDI never carries a DTD; one is how entity-expansion and external-entity attacks
    # arrive (libxml2 expands entities in attribute values even with resolve_entities off),
    # so it is refused before parsing rather than parsed around.
    return NotACfdi(
        "El XML trae una declaración DOCTYPE, que una factura CFDI nunca lleva; "
        "por seguridad no lo procesamos."
    )


def xml_root(data: bytes | str) -> Any:
    """The root element of well-formed XML without a DTD; NotACfdi otherwise."""
    raw = _as_bytes(data)
    if _DOCTYPE.match(raw):
        raise _refuse_doctype()
    try:
        root = etree.fromstring(raw, _new_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise NotACfdi(
            "El archivo no es un XML válido, así que no puede ser una factura (CFDI)."
        ) from error
    docinfo = root.getroottree().docinfo
    # The byte check above cannot see a DTD in other encodings (UTF-16); this one can.
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _refuse_doctype()
    return root


def local_name(element: Any) -> str:
    """The element's tag without its namespace ("" for comments and the like)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attribute(element: Any, name: str) -> str | None:
    value = element.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _check_root(root: Any) -> None:
    namespace = etree.QName(root).namespace if isinstance(root.tag, str) else None
    if local_name(root) != "Comprobante" or namespace not in (CFDI_NAMESPACE, CFDI3_NAMESPACE):
        raise NotACfdi(
            "El XML no es una factura CFDI: no empieza con el elemento cfdi:Comprobante del SAT."
        )
    version = _attribute(root, "Version")
    if namespace == CFDI3_NAMESPACE or version != "4.0":
        shown = version or "desconocida"
        raise NotACfdi(
            f"La factura es un CFDI versión {shown}; desde 2023 solo es válida la versión 4.0. "
            "Pide al proveedor que la emita en CFDI 4.0."
        )


def _stamp(root: Any) -> tuple[str, str | None]:
    stamp = root.find("cfdi:Complemento/tfd:TimbreFiscalDigital", _NS)
    if stamp is None:
        raise NotACfdi(
            "El CFDI no está timbrado: le falta el Timbre Fiscal Digital del SAT "
            "(el folio fiscal o UUID), así que todavía no es una factura válida."
        )
    uuid = (_attribute(stamp, "UUID") or "").upper()
    if not _UUID.fullmatch(uuid):
        raise NotACfdi(
            "El timbre fiscal del CFDI no trae un folio fiscal (UUID) válido; "
            "la factura está incompleta o alterada."
        )
    return uuid, _attribute(stamp, "FechaTimbrado")


def _party(root: Any, tag: str, label: str) -> Any:
    element = root.find(f"cfdi:{tag}", _NS)
    if element is None or not _attribute(element, "Rfc"):
        raise NotACfdi(f"Al CFDI le falta el {label} (cfdi:{tag} con su RFC).")
    return element


def _total(root: Any) -> Decimal:
    raw = _attribute(root, "Total")
    try:
        total = Decimal(raw or "")
    except InvalidOperation:
        total = Decimal("NaN")
    if not total.is_finite():
        raise NotACfdi(f"El total del CFDI ({raw or 'vacío'}) no es un importe válido.")
    return total


def parse_cfdi(data: bytes | str) -> Cfdi:
    """Read a stamped CFDI 4.0; NotACfdi (Spanish message) when it is anything else."""
    root = xml_root(data)
    _check_root(root)
    uuid, stamped_at = _stamp(root)
    issuer = _party(root, "Emisor", "emisor")
    receptor = _party(root, "Receptor", "receptor")
    return Cfdi(
        uuid=uuid,
        version="4.0",
        total=_total(root),
        issued_at=_attribute(root, "Fecha"),
        series=_attribute(root, "Serie"),
        folio=_attribute(root, "Folio"),
        issuer_rfc=(_attribute(issuer, "Rfc") or "").upper(),
        issuer_name=_attribute(issuer, "Nombre"),
        issuer_tax_system=_attribute(issuer, "RegimenFiscal"),
        receptor_rfc=(_attribute(receptor, "Rfc") or "").upper(),
        receptor_name=_attribute(receptor, "Nombre"),
        receptor_zip=_attribute(receptor, "DomicilioFiscalReceptor"),
        receptor_tax_system=_attribute(receptor, "RegimenFiscalReceptor"),
        cfdi_use=_attribute(receptor, "UsoCFDI"),
        stamped_at=stamped_at,
    )


def looks_like_cfdi(data: bytes | str) -> bool:
    """Cheap sniff: XML that names a Comprobante in a SAT CFDI namespace (3.3 included, so the
    caller parses it and gets the precise refusal). Never raises."""
    try:
        head = _as_bytes(data[:_SNIFF_WINDOW])
    except (UnicodeError, TypeError):
        return False
    return (
        head.startswith(b"<")
        and b"Comprobante" in head
        and (CFDI_NAMESPACE.encode() in head or CFDI3_NAMESPACE.encode() in head)
    )
