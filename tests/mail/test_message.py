"""Reading invoices out of e-mails the way vendors send them."""

from __future__ import annotations

import quopri
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from autofactura.core.cfdi.parse import parse_cfdi
from autofactura.core.mail.message import read_message
from tests.support.cfdi_factory import make_cfdi, make_pdf, make_zip

XML = make_cfdi(
    receptor_rfc="EKU9003173C9",
    receptor_name="ESCUELA KEMPER URGATE",
    receptor_zip="26015",
    receptor_tax_system="601",
    cfdi_use="G03",
    total="245.50",
)
PDF = make_pdf("Factura")


def _base(message: EmailMessage | MIMEMultipart) -> None:
    message["From"] = "facturas@vendedor.com.mx"
    message["To"] = "abc123@inbound.example.com"
    message["Subject"] = "Tu factura electrónica"
    message["Message-ID"] = "<1@vendedor.com.mx>"


def test_base64_attachments_in_a_plain_message() -> None:
    message = EmailMessage()
    _base(message)
    message.set_content("Adjuntamos tu factura.")
    message.add_attachment(XML, maintype="application", subtype="xml", filename="F1.xml")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="F1.pdf")
    mail = read_message(message.as_bytes())
    assert [(f.kind, f.data) for f in mail.files] == [("xml", XML), ("pdf", PDF)]
    assert mail.recipients == ["abc123@inbound.example.com"]
    assert parse_cfdi(mail.files[0].data).receptor_rfc == "EKU9003173C9"


def test_nested_multiparts_quoted_printable_and_xml_as_text() -> None:
    outer = MIMEMultipart("mixed")
    _base(outer)
    inner = MIMEMultipart("alternative")
    inner.attach(MIMEText("Hola", "plain", "utf-8"))
    inner.attach(MIMEText("<p>Hola</p>", "html", "utf-8"))
    outer.attach(inner)
    xml_as_text = MIMEText(XML.decode(), "plain", "utf-8")
    xml_as_text.replace_header("Content-Transfer-Encoding", "quoted-printable")
    xml_as_text.set_payload(quopri.encodestring(XML).decode())
    outer.attach(xml_as_text)
    mail = read_message(outer.as_bytes())
    assert [f.kind for f in mail.files] == ["xml"]
    assert parse_cfdi(mail.files[0].data).total == parse_cfdi(XML).total


def test_a_zip_attachment_is_unpacked_and_duplicates_dropped() -> None:
    outer = MIMEMultipart("mixed")
    _base(outer)
    archive = make_zip({"factura.xml": XML, "factura.pdf": PDF})
    outer.attach(MIMEApplication(archive, "zip", Name="factura.zip"))
    outer.attach(MIMEApplication(XML, "xml", Name="copia.xml"))  # the same XML again
    mail = read_message(outer.as_bytes())
    assert sorted(f.kind for f in mail.files) == ["pdf", "xml"]


def test_a_message_without_invoices_has_no_files() -> None:
    message = EmailMessage()
    _base(message)
    message.set_content("Gracias por tu compra.")
    message.add_attachment(b"GIF89a", maintype="image", subtype="gif", filename="logo.gif")
    assert read_message(message.as_bytes()).files == []


def test_broken_mime_loses_nothing_readable() -> None:
    raw = (
        b"From: x@y.mx\r\nTo: a@b.mx\r\nContent-Type: multipart/mixed; boundary=ZZ\r\n\r\n"
        b"--ZZ\r\nContent-Type: application/xml\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"@@@not base64@@@\r\n--ZZ\r\nContent-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--ZZ--"
    )
    assert [f.kind for f in read_message(raw).files] == ["pdf"]
