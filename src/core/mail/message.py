"""The invoice files in an e-mail as vendors send them: nested multiparts, base64 or
quoted-printable parts, ZIP attachments, XML sent as text/plain or inline, odd names."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from autofactura.core.cfdi.files import InvoiceFile, invoice_files, unique_files

MAX_PARTS = 100  # a message with more leaves are mostly noise (or an attack): stop there


@dataclass(frozen=True)
class InboundMail:
    sender: str
    recipients: list[str]
    subject: str
    message_id: str
    files: list[InvoiceFile]


def _leaves(message: EmailMessage) -> list[EmailMessage]:
    leaves = []
    for part in message.walk():
        if not part.is_multipart():
            leaves.append(part)
        if len(leaves) >= MAX_PARTS:
            break
    return leaves


def _payload(part: EmailMessage) -> bytes:
    """The decoded bytes of one part (base64 and quoted-printable undone); b"" if broken."""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError):
        return b""
    return data if isinstance(data, bytes) else b""


def read_message(raw: bytes) -> InboundMail:
    """Parse raw MIME; every XML and PDF found, however it was packed, in order."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    files: list[InvoiceFile] = []
    for number, part in enumerate(_leaves(message), 1):
        data = _payload(part)
        if not data:
            continue
        name = part.get_filename() or f"parte-{number}"
        files += invoice_files(name, data)
    return InboundMail(
        sender=str(message.get("From", "")),
        recipients=[str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])],
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
        files=unique_files(files),
    )
