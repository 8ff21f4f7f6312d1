"""CFDI 4.0 invoices: reading the stamped XML, checking it is the buyer's, finding the files."""

from autofactura.core.cfdi.files import InvoiceFile, invoice_files
from autofactura.core.cfdi.parse import Cfdi, NotACfdi, looks_like_cfdi, parse_cfdi
from autofactura.core.cfdi.verify import Expected, Mismatch, verify

__all__ = [
    "Cfdi",
    "Expected",
    "InvoiceFile",
    "Mismatch",
    "NotACfdi",
    "invoice_files",
    "looks_like_cfdi",
    "parse_cfdi",
    "verify",
]
