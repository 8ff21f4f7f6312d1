"""How the local portals e-mail an invoice for real: a vendor-like MIME message (text and
HTML bodies, the XML and PDF attached, or both zipped) sent over SMTP with smtplib."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from tests.support.cfdi_factory import make_zip

SENDER = "no-responder@facturacion.vendedor.com.mx"


def invoice_message(to: str, files: dict[str, bytes], *, zipped: bool = False) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Facturación <{SENDER}>"
    message["To"] = to
    message["Subject"] = "Tu Comprobante Fiscal Digital"
    message.set_content("Estimado cliente: adjuntamos su factura electrónica.")
    message.add_alternative("<p>Estimado cliente: adjuntamos su <b>factura</b>.</p>", "html")
    if zipped:
        message.add_attachment(
            make_zip(files), maintype="application", subtype="zip", filename="factura.zip"
        )
        return message
    for name, data in files.items():
        subtype = "pdf" if name.lower().endswith(".pdf") else "xml"
        message.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return message


def send(host: str, port: int, message: EmailMessage) -> None:
    """Deliver like a mail server would; smtplib raises when the receiver refuses it."""
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.send_message(message)
