"""Classification of form controls from the texts real portals give them."""

from __future__ import annotations

import pytest

from autofactura.core.autofill.classify import Control, classify
from autofactura.core.autofill.meanings import SECRET_MEANINGS, Meaning

M = Meaning

# (label as portals print it, expected meaning); the control is a text input.
LABELS: list[tuple[str, Meaning | None]] = [
    ("RFC", M.TAX_ID),
    ("R.F.C.", M.TAX_ID),
    ("RFC del receptor", M.TAX_ID),
    ("RFC Receptor*", M.TAX_ID),
    ("Registro Federal de Contribuyentes", M.TAX_ID),
    ("Tu RFC", M.TAX_ID),
    ("Razón social", M.LEGAL_NAME),
    ("RAZON SOCIAL", M.LEGAL_NAME),
    ("Nombre o razón social", M.LEGAL_NAME),
    ("Nombre / Denominación", M.LEGAL_NAME),
    ("Nombre del receptor", M.LEGAL_NAME),
    ("Nombre", M.LEGAL_NAME),
    ("Denominación o razón social", M.LEGAL_NAME),
    ("Código postal", M.ZIP),
    ("C.P.", M.ZIP),
    ("CP fiscal", M.ZIP),
    ("Domicilio fiscal (C.P.)", M.ZIP),
    ("Código postal del domicilio fiscal", M.ZIP),
    ("Régimen fiscal", M.TAX_SYSTEM),
    ("Regimen", M.TAX_SYSTEM),
    ("Régimen fiscal del receptor", M.TAX_SYSTEM),
    ("Uso de CFDI", M.CFDI_USE),
    ("Uso CFDI", M.CFDI_USE),
    ("Uso de comprobante", M.CFDI_USE),
    ("Uso", M.CFDI_USE),
    ("Correo electrónico", M.EMAIL),
    ("E-mail", M.EMAIL),
    ("Email", M.EMAIL),
    ("Correo", M.EMAIL),
    ("Correo electrónico para envío de factura", M.EMAIL),
    # "verifica que" explains the field; it does not make it the confirmation.
    ("Correo electrónico (verifica que esté bien escrito)", M.EMAIL),
    ("Confirmar correo", M.EMAIL_CONFIRM),
    ("Confirma tu e-mail", M.EMAIL_CONFIRM),
    ("Repetir correo", M.EMAIL_CONFIRM),
    ("Confirmación de correo electrónico", M.EMAIL_CONFIRM),
    ("Folio", M.FOLIO),
    ("No. de ticket", M.FOLIO),
    ("Número de ticket", M.FOLIO),
    ("Ticket", M.FOLIO),
    ("TC#", M.FOLIO),
    ("Código de facturación", M.FOLIO),
    ("Clave de facturación", M.FOLIO),
    ("Folio de venta", M.FOLIO),
    ("Folio del ticket", M.FOLIO),
    ("Número debajo del código de barras", M.FOLIO),
    ("Transacción", M.FOLIO),
    ("Número de transacción", M.FOLIO),
    ("TR#", M.FOLIO),
    ("Venta", M.FOLIO),
    ("Web ID", M.EXTRA),
    ("Caja", M.EXTRA),
    ("Estación", M.STORE),
    ("E.S.", M.STORE),
    ("No. de estación", M.STORE),
    ("Sucursal", M.STORE),
    ("Tienda", M.STORE),
    ("No. de tienda", M.STORE),
    ("Nombre de la tienda", M.STORE),
    ("Establecimiento", M.STORE),
    ("Fecha", M.DATE),
    ("Fecha de compra", M.DATE),
    ("Fecha del ticket", M.DATE),
    ("Fecha de consumo", M.DATE),
    ("Fecha (dd/mm/aaaa)", M.DATE),
    ("Día/Mes/Año", M.DATE),
    ("Día", M.DAY),
    ("Día de compra", M.DAY),
    ("Mes", M.MONTH),
    ("Año", M.YEAR),
    ("Hora", M.TIME),
    ("Hora de compra", M.TIME),
    ("Total", M.TOTAL),
    ("Importe", M.TOTAL),
    ("Monto", M.TOTAL),
    ("Importe total", M.TOTAL),
    ("Total del ticket", M.TOTAL),
    ("Monto de la compra", M.TOTAL),
    ("Total de la venta", M.TOTAL),
    ("Venta total", M.TOTAL),
    ("Total a pagar $", M.TOTAL),
    ("Forma de pago", M.PAYMENT_FORM),
    # Negatives: not the buyer's data, or not data at all.
    ("Método de pago", None),
    ("Buscar", None),
    ("Contraseña", None),
    ("Usuario", None),
    ("Nombre de usuario", None),
    ("Suscríbete a nuestro boletín", None),
    ("RFC del emisor", None),
    ("Nombre del emisor", None),
    ("Dirección", None),
    ("Teléfono", None),
    ("Subtotal", None),
    ("Propina", None),
    ("Folio fiscal (UUID)", None),
    ("Escribe el código de la imagen", None),
    ("Comentarios", None),
    ("Estado", None),
    ("Colonia", None),
    ("IVA", None),
    ("", None),
]


@pytest.mark.parametrize(("label", "expected"), LABELS)
def test_label(label: str, expected: Meaning | None) -> None:
    found = classify(Control("input", type="text", label=label))
    assert (found.meaning if found else None) == expected
    if found is not None:
        assert found.evidence == f"label '{label}'"
        assert 0 < found.score <= 1


def test_the_label_table_is_big_enough() -> None:
    assert len(LABELS) >= 80


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        (Control("input", aria_label="R.F.C."), M.TAX_ID),
        (Control("input", title="Código Postal"), M.ZIP),
        (Control("input", placeholder="dd/mm/aaaa"), M.DATE),
        (Control("input", placeholder="ej. XAXX010101000"), M.TAX_ID),
        (Control("input", placeholder="ejemplo@correo.com"), M.EMAIL),
        (Control("input", placeholder="nombre@dominio.mx"), M.EMAIL),
        (Control("input", placeholder="00000", max_length=5), M.ZIP),
        (Control("input", placeholder="00000"), None),
        (Control("input", placeholder="$0.00"), M.TOTAL),
        (Control("input", placeholder="0.00"), M.TOTAL),
        (Control("input", type="email"), M.EMAIL),
        (Control("input", type="date"), M.DATE),
        (Control("input", autocomplete="postal-code"), M.ZIP),
        (Control("input", preceding_text="Régimen fiscal"), M.TAX_SYSTEM),
        (Control("input", legend="Uso del CFDI"), M.CFDI_USE),
        (Control("input", name="ctl00$MainContent$txtRFC"), M.TAX_ID),
        (Control("input", id="ctl00_ContentPlaceHolder1_txtRazonSocial"), M.LEGAL_NAME),
        (Control("input", name="txtCP"), M.ZIP),
        (Control("input", name="codigoPostal"), M.ZIP),
        (Control("select", name="ddlUsoCFDI"), M.CFDI_USE),
        (Control("select", name="cboRegimenFiscal"), M.TAX_SYSTEM),
        (Control("select", name="formapago"), M.PAYMENT_FORM),
        (Control("input", name="txtConfirmarCorreo"), M.EMAIL_CONFIRM),
        (Control("input", name="txtEmail2"), M.EMAIL_CONFIRM),
        (Control("input", name="emailConfirm"), M.EMAIL_CONFIRM),
        (Control("input", name="txtNoTicket"), M.FOLIO),
        (Control("input", name="fechaTicket"), M.DATE),
        (Control("input", name="txtTotalTicket"), M.TOTAL),
        (Control("input", name="taxId"), M.TAX_ID),
        (Control("input", name="legalName"), M.LEGAL_NAME),
        (Control("input", name="zipCode"), M.ZIP),
        (Control("select", name="ddlEstacion"), M.STORE),
        (Control("input", name="txtRfcEmisor"), None),
        (Control("input", name="txtrfcemisor"), None),
        (Control("input", name="q", placeholder="Buscar productos"), None),
        (Control("input", type="search", placeholder="Buscar folio"), None),
        (Control("input", type="hidden", name="txtRFC"), None),
        (Control("input", type="password", label="RFC"), None),
        (Control("input", name="__VIEWSTATE"), None),
        # The label wins over a name that says something else.
        (Control("input", label="Razón social", name="txtRFC"), M.LEGAL_NAME),
        # A repeated "Correo" label whose name says it is the confirmation.
        (Control("input", label="Correo electrónico", name="txtConfirmaCorreo"), M.EMAIL_CONFIRM),
        (Control("input", label="Correo electrónico", name="txtCorreo"), M.EMAIL),
        # A section about the issuer disqualifies its fields.
        (Control("input", label="RFC", legend="Datos del emisor"), None),
    ],
)
def test_sources_other_than_the_label(control: Control, expected: Meaning | None) -> None:
    found = classify(control)
    assert (found.meaning if found else None) == expected


def test_stronger_sources_score_higher() -> None:
    by_label = classify(Control("input", label="RFC"))
    by_placeholder = classify(Control("input", placeholder="RFC"))
    by_name = classify(Control("input", name="txtRFC"))
    assert by_label and by_placeholder and by_name
    assert by_label.score > by_placeholder.score > by_name.score
    agreeing = classify(Control("input", label="RFC", name="txtRFC", placeholder="RFC"))
    assert agreeing and agreeing.score >= by_label.score
    assert by_name.evidence == "name 'txtRFC'"


REGIMES = ("Selecciona…", "601 - General de Ley Personas Morales", "612 - Personas Físicas")
USES = ("-- Seleccione --", "G01 Adquisición de mercancías", "G03 Gastos en general", "S01")
FORMS = ("Selecciona", "Efectivo", "Tarjeta de crédito", "Tarjeta de débito")
MONTHS = ("Mes", "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto")
METHODS = ("PUE - Pago en una sola exhibición", "PPD - Pago en parcialidades o diferido")


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        (Control("select", options=REGIMES), M.TAX_SYSTEM),
        (Control("select", options=USES), M.CFDI_USE),
        (Control("select", options=FORMS), M.PAYMENT_FORM),
        (Control("select", options=MONTHS), M.MONTH),
        (Control("select", options=("Año", "2024", "2025")), M.YEAR),
        (Control("select", options=("Día", *(str(d) for d in range(1, 32)))), M.DAY),
        (Control("select", options=("Sucursal Centro", "Sucursal Norte")), None),
        # "Método de pago" is the payment form only when its options are payment forms.
        (Control("select", label="Método de pago", options=FORMS), M.PAYMENT_FORM),
        (Control("select", label="Método de pago", options=METHODS), None),
        (Control("select", label="Método de pago", name="ddlFormaPago"), None),
        (Control("select", label="Forma de pago", options=FORMS), M.PAYMENT_FORM),
        # The label beats the options' shape.
        (Control("select", label="Sucursal", options=("2024", "2025")), M.STORE),
    ],
)
def test_options_tell_what_a_list_is(control: Control, expected: Meaning | None) -> None:
    found = classify(control)
    assert (found.meaning if found else None) == expected


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        (Control("checkbox", type="checkbox", label="Acepto el aviso de privacidad"), M.CONSENT),
        (Control("checkbox", label="He leído y acepto los términos y condiciones"), M.CONSENT),
        (Control("input", type="checkbox", name="chkAvisoPrivacidad"), M.CONSENT),
        (Control("checkbox", label="Acepto recibir promociones"), None),
        (Control("checkbox", label="Suscríbete a nuestro boletín"), None),
        (Control("checkbox", label="Recordar mis datos"), None),
        (Control("checkbox", label="Enviar factura por correo"), None),
        (Control("input", type="text", label="Acepto el aviso de privacidad"), None),
    ],
)
def test_consent_is_only_a_checkbox(control: Control, expected: Meaning | None) -> None:
    found = classify(control)
    assert (found.meaning if found else None) == expected


EXTRAS = ("Web ID", "TR#", "Caja", "Estación")


@pytest.mark.parametrize(
    ("control", "meaning", "extra_label"),
    [
        (Control("input", label="Web ID"), M.EXTRA, "Web ID"),
        (Control("input", label="WebID:"), M.EXTRA, "Web ID"),
        (Control("input", name="txtWebId"), M.EXTRA, "Web ID"),
        (Control("input", label="TR#"), M.EXTRA, "TR#"),
        (Control("input", label="TR #"), M.EXTRA, "TR#"),
        (Control("input", label="No. de caja"), M.EXTRA, "Caja"),
        (Control("input", label="No. de estación"), M.EXTRA, "Estación"),
        # The ticket's label for a code Walmart prints beside TR#: still the folio.
        (Control("input", label="TC#"), M.FOLIO, None),
        (Control("input", label="Folio", name="txtWebId"), M.FOLIO, None),
        (Control("input", label="Total"), M.TOTAL, None),
        (Control("input", label="RFC"), M.TAX_ID, None),
    ],
)
def test_extras(control: Control, meaning: Meaning, extra_label: str | None) -> None:
    found = classify(control, EXTRAS)
    assert found is not None
    assert (found.meaning, found.extra_label) == (meaning, extra_label)


def test_an_extra_label_the_portal_shortens_still_matches() -> None:
    found = classify(Control("input", label="Caja"), ["No. de caja"])
    assert found and (found.meaning, found.extra_label) == (M.EXTRA, "No. de caja")
    # ... but not through words that mean nothing alone.
    found = classify(Control("input", label="No."), ["No. de caja"])
    assert found is None


def test_an_extra_the_buyer_names_like_a_common_field_wins_over_the_synonym() -> None:
    found = classify(Control("input", label="Venta"), ["Venta"])
    assert found and (found.meaning, found.extra_label) == (M.EXTRA, "Venta")
    found = classify(Control("input", label="Total de venta"), ["Venta"])
    assert found and found.meaning is M.TOTAL


def test_meaning_values_are_the_event_field_names() -> None:
    assert [m.value for m in (M.TAX_ID, M.EMAIL_CONFIRM, M.PAYMENT_FORM)] == [
        "taxId",
        "emailConfirm",
        "paymentForm",
    ]
    assert frozenset((M.TAX_ID, M.LEGAL_NAME, M.ZIP, M.EMAIL, M.EMAIL_CONFIRM)) == (SECRET_MEANINGS)
