"""The task the agent is given: what a CFDI 4.0 needs, the buyer's data only as
placeholders, the irreversible stamping click, and the tools that do the typing."""

from __future__ import annotations

from autofactura.core.autofill.values import Purchase

# browser-use replaces <secret>name</secret> with the real value when it types; the model
# never sees the values themselves.
SECRETS = {
    "x_rfc": "el RFC del comprador",
    "x_razon_social": "su nombre o razón social",
    "x_codigo_postal": "su código postal fiscal",
    "x_correo": "su correo electrónico",
}


def task_prompt(vendor_url: str, purchase: Purchase, tax_system: str, cfdi_use: str) -> str:
    extras = "; ".join(f"{label}: {value}" for label, value in purchase.extra.items())
    secrets = "\n".join(f"- <secret>{key}</secret>: {what}" for key, what in SECRETS.items())
    return f"""Obtén la factura electrónica (CFDI 4.0) de un ticket de compra en el portal de
facturación de un comercio mexicano: {vendor_url}

Ticket: folio {purchase.folio}; fecha {purchase.date}; total {purchase.total} MXN;
tienda/sucursal {purchase.store or "(no indicada)"}; otros datos impresos: {extras or "ninguno"}.
Receptor: régimen fiscal {tax_system}, uso de CFDI {cfdi_use}. Los datos personales solo
los conoces como marcadores; escríbelos tal cual y el navegador pondrá el valor real:
{secrets}

Cómo trabajar:
- Usa la acción fill_fiscal_data para llenar los campos del ticket y del receptor que haya
  en la página: escribe por ti todo lo que reconoce. Tú solo navegas y eliges lo que la
  página explica en su texto (el tipo de compra, la sucursal, a qué sección ir).
- El botón que timbra la factura (Facturar, Generar, Timbrar, Emitir) es irreversible:
  púlsalo una sola vez y solo con todos los campos llenos.
- Cuando la página muestre la factura (UUID o botones de descarga XML/PDF), usa
  capture_invoice y termina. Si el portal dice que el ticket ya fue facturado y ofrece
  consultar o reenviar la factura, síguelo y captura esa factura.
- Si el portal muestra un error (ticket no encontrado, plazo vencido, RFC rechazado),
  termina sin insistir. No salgas del dominio del comercio ni inventes datos.
"""
