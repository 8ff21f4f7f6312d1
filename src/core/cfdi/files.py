"""Finds the invoice XML and PDF in what a portal hands over: a file, or a ZIP of them.

Classification is by content (portals send XML as text/plain or with odd names); ZIPs are
opened one nested level deep under zip-bomb and zip-slip limits.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePosixPath
from typing import Literal

from autofactura.core.cfdi.parse import NotACfdi, local_name, looks_like_cfdi, xml_root

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
MAX_MEMBERS = 50
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_MEMBER_BYTES = 10 * 1024 * 1024
# The archive handed over is depth 0; a ZIP inside it (depth 1) is opened, deeper ones not.
_MAX_ZIP_DEPTH = 1
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)

Kind = Literal["xml", "pdf"]


@dataclass(frozen=True)
class InvoiceFile:
    """One invoice file: a CFDI XML or its printed PDF."""

    name: str
    data: bytes
    kind: Kind


@dataclass
class _Budget:
    """What is left of the extraction limits, shared by an archive and the ones inside it."""

    members: int = MAX_MEMBERS
    total_bytes: int = MAX_TOTAL_BYTES
    names: set[str] = field(default_factory=set)


def _is_cfdi_xml(name: str, data: bytes) -> bool:
    try:
        return local_name(xml_root(data)) == "Comprobante"
    except NotACfdi:
        # Malformed but CFDI-shaped: kept so parse_cfdi can later say what is wrong with it.
        return name.lower().endswith(".xml") and looks_like_cfdi(data)


def _kind(name: str, data: bytes) -> Kind | None:
    if data.lstrip()[: len(PDF_MAGIC)] == PDF_MAGIC:
        return "pdf"
    if _is_cfdi_xml(name, data):
        return "xml"
    return None


def _unique_name(name: str, kind: Kind, budget: _Budget) -> str:
    # Members keep only their base name (paths from archives are never trusted), so two
    # "factura.xml" in different folders or archives must not overwrite each other.
    base = PurePosixPath(name.replace("\\", "/")).name or "factura"
    if not base.lower().endswith(f".{kind}"):
        base = f"{base}.{kind}"
    stem, suffix = base[: -len(kind) - 1], base[-len(kind) - 1 :]
    candidate, counter = base, 1
    while candidate in budget.names:
        counter += 1
        candidate = f"{stem}-{counter}{suffix}"
    budget.names.add(candidate)
    return candidate


def _unsafe_member_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    drive = len(name) > 1 and name[1] == ":"
    return name.startswith(("/", "\\")) or drive or ".." in parts


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes | None:
    limit = min(MAX_MEMBER_BYTES, budget.total_bytes)
    # file_size is what the archive claims; the bounded read below holds even if it lies.
    if info.file_size > limit:
        log.warning("skipping zip member %r: %d bytes over the limit", info.filename, limit)
        return None
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        log.warning("skipping zip member %r: more than %d bytes", info.filename, limit)
        return None
    budget.total_bytes -= len(data)
    return data


def _members(data: bytes, budget: _Budget) -> list[tuple[str, bytes]]:
    members: list[tuple[str, bytes]] = []
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or _unsafe_member_name(info.filename):
                    continue
                if budget.members <= 0:
                    log.warning("zip has more than %d members; the rest are ignored", MAX_MEMBERS)
                    break
                budget.members -= 1
                try:
                    content = _read_member(archive, info, budget)
                except _ZIP_ERRORS as error:
                    log.warning("skipping unreadable zip member %r: %s", info.filename, error)
                    continue
                if content is not None:
                    members.append((info.filename, content))
    except _ZIP_ERRORS as error:
        log.warning("ignoring unreadable zip: %s", error)
    return members


def _collect(name: str, data: bytes, depth: int, budget: _Budget) -> list[InvoiceFile]:
    if data.startswith(ZIP_MAGIC):
        if depth > _MAX_ZIP_DEPTH:
            return []
        found: list[InvoiceFile] = []
        for member_name, content in _members(data, budget):
            found.extend(_collect(member_name, content, depth + 1, budget))
        return found
    kind = _kind(name, data)
    if kind is None:
        return []
    return [InvoiceFile(_unique_name(name, kind, budget), data, kind)]


def invoice_files(name: str, data: bytes) -> list[InvoiceFile]:
    """The CFDI XMLs and PDFs in one downloaded file (itself one, or a ZIP); others ignored.

    Names are base names with the right extension (".xml" / ".pdf" appended if missing) and
    unique within the result.
    """
    return _collect(name, data, 0, _Budget())


def unique_files(files: list[InvoiceFile]) -> list[InvoiceFile]:
    """The same file reached twice (a ZIP and its loose copy) is kept once, first seen."""
    seen: set[bytes] = set()
    kept = []
    for item in files:
        if item.data not in seen:
            seen.add(item.data)
            kept.append(item)
    return kept
