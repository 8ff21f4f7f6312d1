"""What a form control asks for, and the Spanish (and some English) vocabulary portals use
to ask for it. Phrases are written already normalized (see text.normalize)."""

from __future__ import annotations

from enum import StrEnum


class Meaning(StrEnum):
    """The datum a control wants; values are the field names used in step events."""

    TAX_ID = "taxId"
    LEGAL_NAME = "legalName"
    ZIP = "zip"
    TAX_SYSTEM = "taxSystem"
    CFDI_USE = "cfdiUse"
    EMAIL = "email"
    EMAIL_CONFIRM = "emailConfirm"
    FOLIO = "folio"
    STORE = "store"
    DATE = "date"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    TIME = "time"
    TOTAL = "total"
    PAYMENT_FORM = "paymentForm"
    CONSENT = "consent"
    EXTRA = "extra"


# Personal data of the buyer: step events show these values masked.
SECRET_MEANINGS: frozenset[Meaning] = frozenset(
    (Meaning.TAX_ID, Meaning.LEGAL_NAME, Meaning.ZIP, Meaning.EMAIL, Meaning.EMAIL_CONFIRM)
)

# Phrases that name a meaning outright.
STRONG_PHRASES: dict[Meaning, tuple[str, ...]] = {
    Meaning.TAX_ID: (
        "rfc",
        "registro federal de contribuyentes",
        "registro federal del contribuyente",
        "tax id",
        "taxid",
    ),
    Meaning.LEGAL_NAME: (
        "razon social",
        "nombre o razon social",
        "denominacion",
        "denominacion o razon social",
        "nombre fiscal",
        "legal name",
        "business name",
        "company name",
    ),
    Meaning.ZIP: (
        "codigo postal",
        "cod postal",
        "cp",
        "cp fiscal",
        "domicilio fiscal",
        "postal",
        "zip",
        "zip code",
        "zipcode",
        "postal code",
    ),
    Meaning.TAX_SYSTEM: (
        "regimen fiscal",
        "regimen",
        "regimen tributario",
        "tax system",
        "tax regime",
        "fiscal regime",
    ),
    Meaning.CFDI_USE: (
        "uso de cfdi",
        "uso cfdi",
        "uso del cfdi",
        "uso de comprobante",
        "uso del comprobante",
        "uso de la factura",
        "cfdi use",
    ),
    Meaning.EMAIL: ("correo", "correo electronico", "email", "e mail", "mail"),
    Meaning.FOLIO: (
        "folio",
        "ticket",
        "no de ticket",
        "numero de ticket",
        "tc",
        "codigo de facturacion",
        "clave de facturacion",
        "codigo de ticket",
        "codigo de barras",
        "folio de venta",
        "boleto",
        "nota de venta",
    ),
    Meaning.STORE: (
        "estacion",
        "no de estacion",
        "estacion de servicio",
        "sucursal",
        "tienda",
        "no de tienda",
        "establecimiento",
        "restaurante",
        "gasolinera",
        "store",
        "branch",
        "station",
    ),
    Meaning.DATE: (
        "fecha",
        "date",
        "dd mm aaaa",
        "dd mm aa",
        "dd mm yyyy",
        "aaaa mm dd",
        "yyyy mm dd",
        "mm dd aaaa",
        "mm dd yyyy",
        "dia mes ano",
    ),
    Meaning.DAY: ("dia", "day"),
    Meaning.MONTH: ("mes", "month"),
    Meaning.YEAR: ("ano", "anio", "year", "aaaa", "yyyy"),
    Meaning.TIME: ("hora", "time", "hh mm", "hh mm ss"),
    Meaning.TOTAL: (
        "total",
        "importe",
        "monto",
        "importe total",
        "total del ticket",
        "total a pagar",
        "total pagado",
        "cantidad",
        "amount",
    ),
    Meaning.PAYMENT_FORM: ("forma de pago", "forma pago", "payment form"),
    Meaning.CONSENT: (
        "acepto",
        "aceptar",
        "aviso de privacidad",
        "terminos y condiciones",
        "terminos",
        "he leido",
        "privacidad",
        "consentimiento",
        "accept",
        "terms",
        "privacy",
    ),
    # Labels tickets print for data the buyer passes as `extra` ({label: value}).
    Meaning.EXTRA: ("web id", "webid", "id web", "clave web", "caja", "no de caja", "terminal"),
}

# Phrases that name a meaning only loosely; a strong phrase elsewhere in the text wins.
# A ticket's "transacción"/"TR#" is a folio at some vendors and a second code beside the
# folio at others (Walmart's TR# next to TC#), so it scores below "folio"/"ticket".
WEAK_PHRASES: dict[Meaning, tuple[str, ...]] = {
    Meaning.LEGAL_NAME: ("nombre", "name", "nombre completo"),
    Meaning.FOLIO: (
        "transaccion",
        "numero de transaccion",
        "tr",
        "venta",
        "referencia",
        "operacion",
        "id",
    ),
    Meaning.STORE: ("unidad", "plaza"),
    Meaning.DAY: ("dd",),
    Meaning.MONTH: ("mm",),
    Meaning.YEAR: ("aa", "yy"),
}

# Phrases that only count when they are the whole text: short words that also occur in
# ordinary sentences ("es", "uso") or inside date patterns ("dd", "mm").
EXACT_ONLY: frozenset[str] = frozenset(("es", "uso", "dd", "mm", "aa", "yy", "id", "name"))
# ... and their meaning when they are.
EXACT_ONLY_MEANING: dict[str, Meaning] = {"es": Meaning.STORE, "uso": Meaning.CFDI_USE}

# A control whose own text says any of these is not the buyer's data to fill.
VETO_PHRASES: tuple[str, ...] = (
    "emisor",
    "contrasena",
    "password",
    "usuario",
    "username",
    "boletin",
    "newsletter",
    "suscribete",
    "suscribirse",
    "captcha",
    "codigo de la imagen",
    "caracteres de la imagen",
    "codigo de seguridad",
    "folio fiscal",
    "uuid",
    "subtotal",
    "propina",
)
# Said around a control (legend, preceding text) these still disqualify it.
CONTEXT_VETO_PHRASES: tuple[str, ...] = ("emisor",)
# In CFDI "método de pago" is PUE/PPD, not the payment form; portals still use the words
# loosely, so it counts as the payment form only when the options are payment forms.
PAYMENT_METHOD_PHRASES: tuple[str, ...] = ("metodo de pago", "metodo pago", "payment method")
# Header search boxes, by name or id.
SEARCH_WORDS: frozenset[str] = frozenset(("q", "s", "search", "buscar", "busqueda", "query"))
# Checkboxes that opt into marketing, not into the privacy notice.
MARKETING_PHRASES: tuple[str, ...] = (
    "promociones",
    "publicidad",
    "ofertas",
    "noticias",
    "recordar",
    "recuerdame",
    "boletin",
    "newsletter",
)
# Words that turn an e-mail field into its confirmation.
CONFIRM_WORDS: frozenset[str] = frozenset(
    "confirmar confirma confirme confirmacion confirm confirmation repetir repite repita "
    "repeat reingresa reescribe retype verificar verifica verify verificacion nuevamente "
    "2".split()
)

# Button vocabulary, checked in this order (see classify.classify_button).
BACK_PHRASES: tuple[str, ...] = (
    "regresar",
    "cancelar",
    "limpiar",
    "borrar",
    "salir",
    "cerrar sesion",
    "cerrar",
    "volver",
    "atras",
    "anterior",
    "nueva busqueda",
    "reiniciar",
)
LOOKUP_PHRASES: tuple[str, ...] = (
    "reenviar",
    "reenvio",
    "reimprimir",
    "reimpresion",
    "consultar factura",
    "consultar facturas",
    "consulta de facturas",
    "consulta tu factura",
    "recuperar",
    "recupera",
    "factura existente",
    "factura previa",
    "buscar factura",
    "facturas emitidas",
)
# Starting another invoice is not stamping this one.
ANOTHER_INVOICE_PHRASES: tuple[str, ...] = ("facturar otro", "nueva factura", "otra factura")
STAMP_WORDS: frozenset[str] = frozenset(("facturar", "timbrar", "emitir", "facturalo"))
STAMP_VERBS: frozenset[str] = frozenset(("generar", "crear", "solicitar", "obtener", "emitir"))
STAMP_NOUNS: frozenset[str] = frozenset(("factura", "cfdi", "comprobante"))
DOWNLOAD_WORDS: frozenset[str] = frozenset(("descargar", "descarga", "bajar", "download"))
ADVANCE_PHRASES: tuple[str, ...] = (
    "continuar",
    "siguiente",
    "buscar",
    "validar",
    "consultar",
    "agregar",
    "verificar",
    "aceptar",
    "enviar",
    "confirmar",
    "guardar",
    "comenzar",
    "iniciar",
    "ok",
    "next",
    "submit",
    "search",
    "continue",
)
