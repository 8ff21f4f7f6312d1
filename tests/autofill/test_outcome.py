"""Reading what a portal's messages and pages say happened."""

from __future__ import annotations

import pytest

from autofactura.core.autofill.outcome import (
    MAX_MESSAGE,
    UUID_PATTERN,
    Reading,
    Signal,
    read_message,
    read_page,
)

S = Signal
UUID = "6F9619FF-8B86-D011-B42D-00C04FC964FF"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El ticket ya fue facturado", S.ALREADY_INVOICED),
        ("Este ticket fue facturado previamente.", S.ALREADY_INVOICED),
        ("El folio ya cuenta con factura", S.ALREADY_INVOICED),
        ("El ticket ya se encuentra facturado", S.ALREADY_INVOICED),
        ("Error: la venta ya ha sido facturada", S.ALREADY_INVOICED),
        ("El ticket ya fue utilizado", S.ALREADY_INVOICED),
        ("Ya existe una factura para este ticket", S.ALREADY_INVOICED),
        ("Factura generada previamente", S.ALREADY_INVOICED),
        ("Plazo de facturación vencido", S.INVOICING_PERIOD_EXPIRED),
        ("El periodo para facturar este ticket ha expirado", S.INVOICING_PERIOD_EXPIRED),
        ("El periodo de facturación está vencido", S.INVOICING_PERIOD_EXPIRED),
        ("La fecha del ticket está fuera del periodo de facturación", S.INVOICING_PERIOD_EXPIRED),
        ("Ha excedido el tiempo para facturar su ticket", S.INVOICING_PERIOD_EXPIRED),
        ("Ya no es posible facturar tickets de meses anteriores", S.INVOICING_PERIOD_EXPIRED),
        ("Ticket no encontrado", S.TICKET_NOT_FOUND),
        ("No se encontró el ticket", S.TICKET_NOT_FOUND),
        ("No se encontró información con los datos proporcionados", S.TICKET_NOT_FOUND),
        ("El ticket no existe", S.TICKET_NOT_FOUND),
        ("Verifica que el folio, la fecha y el total sean correctos", S.TICKET_NOT_FOUND),
        ("Los datos del ticket son incorrectos", S.TICKET_NOT_FOUND),
        ("El monto no coincide con el ticket", S.TICKET_NOT_FOUND),
        ("Folio inválido", S.TICKET_NOT_FOUND),
        ("Tu ticket aún no está disponible, intenta en 30 minutos", S.TICKET_NOT_FOUND),
        (
            "CFDI40143 - Este RFC del receptor no existe en la lista de RFC inscritos no "
            "cancelados del SAT.",
            S.RECEPTOR_REJECTED,
        ),
        (
            "Error CFDI40145: El campo Nombre del receptor debe pertenecer al nombre asociado "
            "al RFC",
            S.RECEPTOR_REJECTED,
        ),
        ("CFDI40147", S.RECEPTOR_REJECTED),
        ("Error (CFDI40158)", S.RECEPTOR_REJECTED),
        ("CFDI 40161 uso", S.RECEPTOR_REJECTED),
        ("CFDI40162", S.RECEPTOR_REJECTED),
        ("El RFC del receptor no se encuentra en la lista de RFC inscritos", S.RECEPTOR_REJECTED),
        ("El nombre del receptor no coincide con el registrado para el RFC", S.RECEPTOR_REJECTED),
        ("El código postal no coincide con el domicilio fiscal", S.RECEPTOR_REJECTED),
        ("El código postal no corresponde al RFC", S.RECEPTOR_REJECTED),
        ("El régimen fiscal no corresponde al tipo de persona", S.RECEPTOR_REJECTED),
        ("El uso de CFDI no corresponde con el régimen fiscal", S.RECEPTOR_REJECTED),
        ("RFC inválido", S.RECEPTOR_REJECTED),
        ("Captcha incorrecto", S.CAPTCHA),
        ("Marca la casilla No soy un robot", S.CAPTCHA),
        ("El código de la imagen no es correcto", S.CAPTCHA),
        ("Escribe los caracteres de la imagen", S.CAPTCHA),
        ("Debes iniciar sesión para continuar", S.LOGIN_REQUIRED),
        ("Por favor inicie sesión", S.LOGIN_REQUIRED),
        ("Usuario y contraseña incorrectos", S.LOGIN_REQUIRED),
        ("Tu factura fue enviada a tu correo", S.EMAILED),
        ("Hemos enviado tu factura a tu correo electrónico", S.EMAILED),
        ("Factura generada con éxito y enviada a tu e-mail", S.EMAILED),
        ("Tu factura se enviará a tu correo en unos minutos", S.EMAILED),
        ("Factura generada correctamente", S.SUCCESS),
        ("Se generó tu factura", S.SUCCESS),
        ("El CFDI fue timbrado exitosamente", S.SUCCESS),
        (f"Folio fiscal: {UUID}", S.SUCCESS),
        ("Factura generada. Descarga tu XML y PDF; también la enviamos a tu correo", S.SUCCESS),
        # Generated but not mailed: the invoice exists.
        ("La factura fue generada pero no pudo ser enviada a tu correo", S.SUCCESS),
        ("Ocurrió un error inesperado", S.ERROR),
        ("No fue posible conectar con el PAC, intente más tarde", S.ERROR),
        ("Correo electrónico inválido", S.ERROR),
        ("El campo RFC es obligatorio", S.ERROR),
        ("La factura no pudo ser enviada a tu correo", S.ERROR),
        ("No se ha generado la factura", S.ERROR),
        ("Tu sesión ha expirado", S.ERROR),
        # The issuer's RFC refused is the vendor's problem, not the buyer's.
        ("El RFC del emisor no se encuentra en la lista", S.ERROR),
        ("CFDI40101 - El campo Fecha no cumple con el patrón", S.ERROR),
        ("El ticket ya fue facturado. Si deseas recuperarlo, usa Reenviar.", S.ALREADY_INVOICED),
        ("Verifica el No. de ticket y el total", S.TICKET_NOT_FOUND),
        ("No se pudo timbrar. Si el error persiste, contacta a soporte.", S.ERROR),
        ("Campo obligatorio", S.ERROR),
        # Standing notes, conditions and questions in alert-styled boxes are not news.
        ("Los campos marcados con * son obligatorios", None),
        ("(*) Campos obligatorios", None),
        ("Si tu ticket ya fue facturado, usa la opción Reenviar factura", None),
        ("¿Ya facturaste? Recupera tu factura", None),
        ("Si tienes algún error, contáctanos", None),
        ("Procesando...", None),
        ("Bienvenido al portal de facturación", None),
        ("", None),
        ("   \n ", None),
    ],
)
def test_read_message(text: str, expected: Signal | None) -> None:
    reading = read_message(text)
    assert (reading.signal if reading else None) == expected
    if reading is not None:
        assert reading.message == " ".join(text.split())


def test_read_message_keeps_the_uuid_uppercase() -> None:
    reading = read_message(f"Factura timbrada. UUID {UUID.lower()}")
    assert reading == Reading(S.SUCCESS, f"Factura timbrada. UUID {UUID.lower()}", UUID)


def test_a_long_message_keeps_the_sentence_that_decided() -> None:
    filler = "Gracias por su preferencia. " * 15
    reading = read_message(f"{filler}\nEl ticket ya fue facturado.\n{filler}")
    assert reading == Reading(S.ALREADY_INVOICED, "El ticket ya fue facturado.")
    long_line = ("x" * 20 + " ") * 30
    reading = read_message(f"Error: {long_line}")
    assert reading is not None and reading.signal is S.ERROR
    assert len(reading.message) == MAX_MESSAGE


@pytest.mark.parametrize(
    "text",
    [UUID, UUID.lower(), f"UUID:{UUID}.", f"({UUID})"],
)
def test_uuid_pattern(text: str) -> None:
    match = UUID_PATTERN.search(text)
    assert match and match.group().upper() == UUID


@pytest.mark.parametrize("text", [UUID[:-1], f"{UUID}0", f"x{UUID.replace('-', '')}", "G03"])
def test_uuid_pattern_rejects(text: str) -> None:
    assert UUID_PATTERN.search(text) is None


SUCCESS_PAGE = f"""Portal de facturación
¡Gracias!
Tu factura ha sido generada
Folio fiscal: {UUID.lower()}
Descarga tu XML
Descargar PDF
Aviso de privacidad | Reportar un error | © 2024"""

FORM_PAGE = """Portal de facturación     Iniciar sesión
Facturación electrónica
¿Tu ticket ya fue facturado? Recupera tu factura aquí
Si tu ticket no existe en el sistema, espera 24 horas.
Ingresa los datos de tu ticket
Tu factura será enviada al correo que registres
RFC  Razón social  Código postal
Reportar un error"""


@pytest.mark.parametrize(
    ("page", "errors", "expected"),
    [
        (SUCCESS_PAGE, [], Reading(S.SUCCESS, "Tu factura ha sido generada", UUID)),
        # An alert-looking element with no message changes nothing.
        (SUCCESS_PAGE, ["×"], Reading(S.SUCCESS, "Tu factura ha sido generada", UUID)),
        # A leftover generic error does not hide a folio fiscal.
        (
            SUCCESS_PAGE,
            ["Campo requerido"],
            Reading(S.SUCCESS, "Tu factura ha sido generada", UUID),
        ),
        (
            "Gracias\nTu factura fue enviada a tu correo.\nReportar un error",
            [],
            Reading(S.EMAILED, "Tu factura fue enviada a tu correo."),
        ),
        (
            f"Listo\nUUID: {UUID}\nTu factura fue enviada a tu correo",
            [],
            Reading(S.EMAILED, "Tu factura fue enviada a tu correo", UUID),
        ),
        (
            f"Listo\nUUID: {UUID}\nTu factura fue enviada a tu correo\nDescargar XML",
            [],
            Reading(S.SUCCESS, f"UUID: {UUID}", UUID),
        ),
        # The form page: help text is not an outcome, nor the header's login link.
        (FORM_PAGE, [], None),
        (
            FORM_PAGE,
            ["El ticket ya fue facturado"],
            Reading(S.ALREADY_INVOICED, "El ticket ya fue facturado"),
        ),
        (
            FORM_PAGE,
            ["Ticket no encontrado", "Error"],
            Reading(S.TICKET_NOT_FOUND, "Ticket no encontrado"),
        ),
        (
            FORM_PAGE,
            ["Ocurrió un error, intente más tarde"],
            Reading(S.ERROR, "Ocurrió un error, intente más tarde"),
        ),
        # Errors first: a failure in an alert beats success words in the page.
        (
            SUCCESS_PAGE,
            ["El RFC del receptor no coincide"],
            Reading(S.RECEPTOR_REJECTED, "El RFC del receptor no coincide"),
        ),
        # A failure the page states plainly, outside any alert.
        (
            "Facturación\nEl ticket ya fue facturado.\nReportar un error",
            [],
            Reading(S.ALREADY_INVOICED, "El ticket ya fue facturado."),
        ),
        (
            "Resultado\nCFDI40147 - El código postal no corresponde",
            [],
            Reading(S.RECEPTOR_REJECTED, "CFDI40147 - El código postal no corresponde"),
        ),
        # A generic error in an alert beats vague page text.
        (
            "Facturación\nFactura electrónica",
            ["No fue posible timbrar"],
            Reading(S.ERROR, "No fue posible timbrar"),
        ),
        (
            "Facturación\nEscribe los caracteres de la imagen",
            [],
            Reading(S.CAPTCHA, "Escribe los caracteres de la imagen"),
        ),
        # A UUID on a page that is not about invoices is not a folio fiscal.
        (f"Sesión {UUID}", [], None),
        ("", [], None),
    ],
)
def test_read_page(page: str, errors: list[str], expected: Reading | None) -> None:
    assert read_page(page, errors) == expected


def test_a_success_alert_gets_the_page_uuid() -> None:
    reading = read_page(f"Folio fiscal {UUID}", ["¡Factura generada con éxito!"])
    assert reading == Reading(S.SUCCESS, "¡Factura generada con éxito!", UUID)
