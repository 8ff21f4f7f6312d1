"""The local portals' shared back office: ticket rules, a tiny SAT registry, and a record of
every CFDI the portals stamped or e-mailed, so tests can check what was really issued."""

from __future__ import annotations

import enum
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from tests.portals import mailer
from tests.support.cfdi_factory import make_cfdi, make_pdf

# SAT test taxpayers (the RFCs of the SAT's own CFDI examples) and their registered names.
SAT_NAMES = {
    "EKU9003173C9": "ESCUELA KEMPER URGATE",
    "XAXX010101000": "PUBLICO EN GENERAL",
    "CACX7605101P8": "XOCHILT CASAS CHAVEZ",
    "URE180429TM6": "UNIVERSIDAD ROBOTICA ESPAÑOLA",
    "FUNK671228PH6": "KARLA FUENTE NOLASCO",
}
# Fiscal zip codes on file, for the portals that also validate the zip (CFDI40147).
SAT_ZIPS = {"EKU9003173C9": "26015", "CACX7605101P8": "36257", "URE180429TM6": "86991"}
ACCOUNTS = {"cliente01": "Factura2025"}
CAPTCHA_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

NAME_REJECTED = (
    "CFDI40145: El campo Nombre del receptor, debe pertenecer al nombre asociado al RFC "
    "registrado en el campo Rfc del Receptor."
)
ZIP_REJECTED = (
    "CFDI40147: El campo DomicilioFiscalReceptor del receptor, debe encontrarse en la lista "
    "de RFC inscritos no cancelados en el SAT."
)
NOT_FOUND = "Ticket no encontrado. Verifica el folio, la fecha y el total de tu ticket."
DATA_MISMATCH = "Los datos del ticket no coinciden, verifica folio, fecha y total"
EXPIRED = "Plazo de facturación vencido: el ticket debía facturarse dentro del mes de compra."
OUTAGE = "Error 500: servicio no disponible, intente más tarde (ref. 77812)"
PREVIOUSLY_INVOICED = "El ticket ya fue facturado previamente."
ALREADY_INVOICED = "El ticket ya fue facturado"


class Refusal(enum.Enum):
    """Why a portal refused a ticket."""

    NOT_FOUND = "not_found"
    DATA_MISMATCH = "data_mismatch"
    EXPIRED = "expired"
    PORTAL_ERROR = "portal_error"
    ALREADY_INVOICED = "already_invoiced"
    RECEPTOR_REJECTED = "receptor_rejected"


class Refused(Exception):
    """A portal's answer other than a stamp; `existing` is the invoice already issued."""

    def __init__(self, kind: Refusal, message: str, existing: Stamp | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.existing = existing


@dataclass(frozen=True)
class InvoiceRequest:
    """What a portal received, as it understood it (the name is uppercased by the portal)."""

    folio: str
    total: Decimal
    rfc: str
    name: str
    zip: str
    tax_system: str
    cfdi_use: str
    email: str = ""
    date: str = ""  # ISO, when the portal asked for one
    store: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Issuer:
    """The vendor whose portal stamps (the CFDI's Emisor)."""

    rfc: str
    name: str


@dataclass(frozen=True)
class Stamp:
    """One CFDI a portal issued; `earlier` marks one issued before the test (folio FACTURADO)."""

    portal: str
    folio: str
    data: InvoiceRequest
    uuid: str
    xml: bytes
    pdf: bytes
    cfdi_total: Decimal
    earlier: bool = False


@dataclass(frozen=True)
class Mail:
    """An invoice a portal e-mailed instead of offering a download."""

    portal: str
    to: str
    uuid: str
    files: dict[str, bytes]


def parse_amount(text: str) -> Decimal | None:
    """A money amount as buyers and masks write it: "1234.5", "$1,234.50", " 1 234.50 "."""
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() and amount > 0 else None


class Ledger:
    """Shared by every portal of one server; thread-safe (the server runs in its own thread)."""

    def __init__(self) -> None:
        self.stamped: list[Stamp] = []
        self.emailed: list[Mail] = []
        self.sat_names = dict(SAT_NAMES)
        self.sat_zips = dict(SAT_ZIPS)
        self.accounts = dict(ACCOUNTS)
        self._captchas: dict[str, str] = {}
        self._lock = threading.Lock()
        # (host, port) of an SMTP receiver: e-mailed invoices are then really sent there.
        self.smtp: tuple[str, int] | None = None

    # -- looking things up (tests and portals) ---------------------------------------------

    def stamps(self, portal: str, folio: str | None = None) -> list[Stamp]:
        """The CFDIs `portal` issued (for `folio`, when given), earlier ones included."""
        with self._lock:
            return [
                s
                for s in self.stamped
                if s.portal == portal and (folio is None or s.folio == folio.strip().upper())
            ]

    def find(self, portal: str, cfdi_uuid: str) -> Stamp | None:
        with self._lock:
            return next(
                (s for s in self.stamped if s.portal == portal and s.uuid == cfdi_uuid.upper()),
                None,
            )

    # -- the ticket rules -------------------------------------------------------------------

    def check_ticket(self, portal: str, folio: str, total: Decimal | None) -> None:
        """Raise Refused for the folio rules that need no buyer data (see the module's tests)."""
        key = folio.strip().upper()
        if key.startswith("NOEXISTE"):
            raise Refused(Refusal.NOT_FOUND, NOT_FOUND)
        if key.startswith("VENCIDO"):
            raise Refused(Refusal.EXPIRED, EXPIRED)
        if key.startswith("CAIDO"):
            raise Refused(Refusal.PORTAL_ERROR, OUTAGE)
        if key.startswith("TOTAL-") and parse_amount(key.removeprefix("TOTAL-")) != total:
            raise Refused(Refusal.DATA_MISMATCH, DATA_MISMATCH)
        existing = self.stamps(portal, key)
        if existing:
            raise Refused(Refusal.ALREADY_INVOICED, ALREADY_INVOICED, existing[0])

    def check_receptor(self, request: InvoiceRequest, *, check_zip: bool = False) -> None:
        """The SAT's CFDI40145 (name) and, for portals that check it, CFDI40147 (zip)."""
        rfc = request.rfc.strip().upper()
        registered = self.sat_names.get(rfc)
        if registered is not None and " ".join(request.name.upper().split()) != registered:
            raise Refused(Refusal.RECEPTOR_REJECTED, NAME_REJECTED)
        zip_on_file = self.sat_zips.get(rfc)
        if check_zip and zip_on_file is not None and request.zip.strip() != zip_on_file:
            raise Refused(Refusal.RECEPTOR_REJECTED, ZIP_REJECTED)

    def issue(
        self,
        portal: str,
        request: InvoiceRequest,
        *,
        issuer: Issuer,
        check_zip: bool = False,
        cfdi_total: Decimal | None = None,
    ) -> Stamp:
        """Stamp a CFDI with exactly the data received, or raise Refused.

        `cfdi_total` is for a vendor whose system stamps another amount (a bug to catch)."""
        self.check_ticket(portal, request.folio, request.total)
        if request.folio.strip().upper().startswith("FACTURADO"):
            earlier = self._stamp(portal, issuer, request, request.total, earlier=True)
            raise Refused(Refusal.ALREADY_INVOICED, PREVIOUSLY_INVOICED, earlier)
        self.check_receptor(request, check_zip=check_zip)
        return self._stamp(portal, issuer, request, cfdi_total or request.total, earlier=False)

    def _stamp(
        self, portal: str, issuer: Issuer, request: InvoiceRequest, total: Decimal, *, earlier: bool
    ) -> Stamp:
        cfdi_uuid = str(uuid.uuid4()).upper()
        xml = make_cfdi(
            issuer_rfc=issuer.rfc,
            issuer_name=issuer.name,
            receptor_rfc=request.rfc,
            receptor_name=request.name,
            receptor_zip=request.zip,
            receptor_tax_system=request.tax_system,
            cfdi_use=request.cfdi_use,
            total=total,
            folio=request.folio.strip().upper(),
            uuid=cfdi_uuid,
        )
        pdf = make_pdf(
            f"Factura {cfdi_uuid}\nReceptor: {request.rfc} {request.name}\n"
            f"Ticket {request.folio}  Total ${total:,.2f}"
        )
        stamp = Stamp(
            portal, request.folio.strip().upper(), request, cfdi_uuid, xml, pdf, total, earlier
        )
        with self._lock:
            self.stamped.append(stamp)
        return stamp

    def email(self, stamp: Stamp, to: str) -> Mail:
        files = {f"{stamp.uuid}.xml": stamp.xml, f"{stamp.uuid}.pdf": stamp.pdf}
        mail = Mail(stamp.portal, to, stamp.uuid, files)
        with self._lock:
            self.emailed.append(mail)
        if self.smtp is not None:
            mailer.send(*self.smtp, mailer.invoice_message(to, files))
        return mail

    # -- the CAPTCHA a person would read ------------------------------------------------------

    def new_captcha(self) -> str:
        """A one-time CAPTCHA token; its answer is `captcha_answer(token)`."""
        token = secrets.token_hex(8)
        answer = "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(5))
        with self._lock:
            self._captchas[token] = answer
        return token

    def captcha_answer(self, token: str) -> str:
        """What the image shows (a test plays the person who reads it)."""
        with self._lock:
            return self._captchas.get(token, "")

    def solve_captcha(self, token: str, answer: str) -> bool:
        """Whether `answer` matches; the token is spent either way, as real CAPTCHAs do."""
        with self._lock:
            expected = self._captchas.pop(token, None)
        return expected is not None and answer.strip().upper() == expected
