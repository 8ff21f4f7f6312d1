"""Button roles: which click stamps (irreversible), advances, downloads or goes back."""

from __future__ import annotations

import pytest

from autofactura.core.autofill.classify import ButtonRole, classify_button

R = ButtonRole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Facturar", R.STAMP),
        ("FACTURAR »", R.STAMP),
        ("Generar factura", R.STAMP),
        ("Generar", R.STAMP),
        ("Timbrar", R.STAMP),
        ("Emitir", R.STAMP),
        ("Emitir CFDI", R.STAMP),
        ("Generar CFDI", R.STAMP),
        ("Solicitar factura", R.STAMP),
        ("Generar y descargar factura", R.STAMP),
        ("Continuar", R.ADVANCE),
        ("Siguiente >", R.ADVANCE),
        ("Buscar", R.ADVANCE),
        ("Validar", R.ADVANCE),
        ("Validar RFC", R.ADVANCE),
        ("Consultar ticket", R.ADVANCE),
        ("Agregar ticket", R.ADVANCE),
        ("Verificar", R.ADVANCE),
        ("Aceptar", R.ADVANCE),
        # Generic submits may stamp on a page holding the receptor data; the driver
        # decides that from the page, so the word alone is not STAMP.
        ("Enviar", R.ADVANCE),
        ("Confirmar", R.ADVANCE),
        ("Descargar XML", R.DOWNLOAD_XML),
        ("XML", R.DOWNLOAD_XML),
        ("Descargar PDF", R.DOWNLOAD_PDF),
        ("PDF", R.DOWNLOAD_PDF),
        ("Ver PDF", R.DOWNLOAD_PDF),
        ("Descargar ZIP", R.DOWNLOAD_ZIP),
        ("Descargar factura", R.DOWNLOAD_ANY),
        ("Descargar XML y PDF", R.DOWNLOAD_ANY),
        ("Reenviar factura", R.LOOKUP_EXISTING),
        ("Consultar factura", R.LOOKUP_EXISTING),
        ("Recuperar factura", R.LOOKUP_EXISTING),
        ("Ver factura existente", R.LOOKUP_EXISTING),
        ("Descargar factura previa", R.LOOKUP_EXISTING),
        ("Reimprimir", R.LOOKUP_EXISTING),
        ("Regresar", R.BACK_OR_CANCEL),
        ("Cancelar", R.BACK_OR_CANCEL),
        ("Limpiar", R.BACK_OR_CANCEL),
        ("Borrar", R.BACK_OR_CANCEL),
        ("Salir", R.BACK_OR_CANCEL),
        ("Cerrar sesión", R.BACK_OR_CANCEL),
        ("« Volver", R.BACK_OR_CANCEL),
        # Starting another invoice does not stamp this one.
        ("Facturar otro ticket", R.OTHER),
        ("Nueva factura", R.OTHER),
        ("Imprimir", R.OTHER),
        ("Aviso de privacidad", R.OTHER),
        ("", R.OTHER),
    ],
)
def test_button_text(text: str, expected: ButtonRole) -> None:
    assert classify_button(text) is expected


@pytest.mark.parametrize(
    ("text", "href", "download", "expected"),
    [
        ("Aquí", "https://portal.mx/files/F123.XML?token=1", "", R.DOWNLOAD_XML),
        ("", "/descargas/factura.pdf", "", R.DOWNLOAD_PDF),
        ("Clic", "/d/paquete.zip#x", "", R.DOWNLOAD_ZIP),
        ("", "", "ABC123.xml", R.DOWNLOAD_XML),
        ("Bajar", "", "archivo", R.DOWNLOAD_ANY),
        ("", "blob:https://portal.mx/uuid", "comprobante", R.DOWNLOAD_ANY),
        ("Descargar", "javascript:__doPostBack('ctl00$lnkXml','')", "", R.DOWNLOAD_ANY),
        ("Facturar", "/facturar.aspx", "", R.STAMP),
        ("Inicio", "/index.html", "", R.OTHER),
    ],
)
def test_link_target(text: str, href: str, download: str, expected: ButtonRole) -> None:
    assert classify_button(text, href=href, download=download) is expected
