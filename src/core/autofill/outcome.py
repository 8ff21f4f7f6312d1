"""What a portal's messages say happened: stamped, e-mailed, or which failure, read from
the words (Spanish) rather than from codes that vary between portals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from autofactura.core.autofill.text import normalize


class Signal(StrEnum):
    """What a message says; failure values match the task's failure and intervention codes."""

    SUCCESS = "SUCCESS"
    EMAILED = "EMAILED"
    TICKET_NOT_FOUND = "TICKET_NOT_FOUND"
    ALREADY_INVOICED = "ALREADY_INVOICED"
    INVOICING_PERIOD_EXPIRED = "INVOICING_PERIOD_EXPIRED"
    RECEPTOR_REJECTED = "RECEPTOR_REJECTED"
    CAPTCHA = "CAPTCHA"
    LOGIN_REQUIRED = "LOGIN_REQUIRED"
    ERROR = "ERROR"


@dataclass(frozen=True)
class Reading:
    """A signal, the portal's sentence that decided it, and the folio fiscal if shown."""

    signal: Signal
    message: str  # verbatim, whitespace collapsed, at most MAX_MESSAGE characters
    uuid: str | None = None  # uppercase, as the SAT prints it


UUID_PATTERN = re.compile(
    r"(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])",
    re.IGNORECASE,
)
MAX_MESSAGE = 300

_BROKEN = r"(vencid|expirad|vencio|expiro|concluid|terminad|termino|excedid|agotad|finalizad)"
_WRONG = r"(no (coincide|corresponde|es valid|esta registrad|existe|aplica|se permite|permitid)"
_WRONG += r"|invalid|incorrect)"
_CAPTCHA = r"captcha|no soy un robot|(codigo|caracteres|texto|letras) de (la )?imagen"
_TICKET = r"(ticket|folio|venta|transaccion|nota|boleto|compra|consumo|registro|informacion)"

# (signal, pattern over normalized text, safe to read in a page's plain text). Failures in
# priority order: the more specific reason wins when a message gives several.
_FAILURES: tuple[tuple[Signal, re.Pattern[str], bool], ...] = tuple(
    (signal, re.compile(pattern), page_safe)
    for signal, pattern, page_safe in (
        (
            Signal.ALREADY_INVOICED,
            r"ya (fue|ha sido|habia sido|se encuentra|esta|estaba|se ha|se habia) "
            r"(facturad|timbrad|utilizad)|ya se facturo|"
            r"(facturad|generad|emitid|timbrad)[oa]s? (previamente|anteriormente|con anterioridad)"
            r"|ya (cuenta|existe|tiene)( con)? (una )?(factura|cfdi)",
            True,
        ),
        (
            Signal.INVOICING_PERIOD_EXPIRED,
            rf"(plazo|periodo|tiempo|fecha limite|limite)\b.{{0,50}}{_BROKEN}"
            r"|fuera del? (periodo|plazo|tiempo|mes|rango)"
            r"|(ha|has|haz) excedido el (tiempo|plazo|limite)"
            r"|ya no (es posible|puede|se puede|podemos) facturar",
            True,
        ),
        (
            Signal.RECEPTOR_REJECTED,
            r"(?<![a-z0-9])cfdi ?(40143|40145|40147|40148|40158|40161|40162)(?![0-9])",
            True,
        ),
        (
            Signal.RECEPTOR_REJECTED,
            r"rfc\b.{0,60}\b(no (se encuentra|esta|aparece) (en la lista|registrad|inscrit)"
            r"|lista de (rfc|contribuyentes))|no (esta )?registrad[oa] (ante|en) el sat"
            rf"|(rfc|nombre|razon social|denominacion|codigo postal|domicilio fiscal|regimen"
            rf"|uso (de |del )?cfdi|receptor)\b.{{0,80}}\b{_WRONG}"
            r"|(verifica|revisa)\b.{0,40}\b(rfc|razon social|codigo postal|regimen|datos fiscales)",
            False,
        ),
        (Signal.CAPTCHA, _CAPTCHA, False),
        (
            Signal.LOGIN_REQUIRED,
            r"(debes|necesitas|favor de|para continuar) inicia(r)? sesion|inicie sesion"
            r"|usuario (y|o|y o) contrasena",
            False,
        ),
        (
            Signal.TICKET_NOT_FOUND,
            rf"{_TICKET} no (encontrad|localizad|registrad|existe)|no se encontr[oa] "
            rf"(el |la |los |las |ningun |ninguna |tu |su )?{_TICKET}"
            rf"|datos (del|de tu|de su|de la) {_TICKET} (son |estan |sean )?(incorrect|erron)",
            True,
        ),
        (
            Signal.TICKET_NOT_FOUND,
            r"no (se )?(encontr|localiz|hallo)|no (fue|ha sido) (encontrad|localizad)"
            r"|no existe|sin resultados|no hay (resultados|registros)|inexistente"
            rf"|{_TICKET}s? (no (es )?valid|invalid|incorrect)"
            r"|(total|monto|importe|fecha)\b.{0,40}\b(no coincide|no corresponde|incorrect|invalid)"
            r"|(verifica|revisa|valida|confirma)\b.{0,60}\b(folio|fecha|total|monto|importe|ticket)"
            r"|aun no (esta|se encuentra) disponible",
            False,
        ),
    )
)
_SUCCESS = re.compile(
    r"(factura|cfdi|comprobante)s? (electronic[oa] )?(fue |ha sido |se ha |se )?"
    r"(generad|timbrad|emitid|cread)[oa]s?"
    r"|se (ha )?(genero|generado|timbro|timbrado|emitio|emitido) (tu |su |la |el )?"
    r"(factura|cfdi|comprobante)|timbrado (exitoso|correcto|con exito)"
    r"|facturo (correctamente|exitosamente|con exito)|facturacion (exitosa|completada)"
)
_MAILBOX = r"\b.{0,80}\b(correo|email|e mail|mail|buzon)"
_EMAILED = re.compile(
    rf"(enviad[oa]s?|enviamos|hemos enviado|se envio|se ha enviado|remitid[oa]){_MAILBOX}"
    r"|revisa tu (correo|bandeja de entrada)"
)
# A promise ("se enviará a tu correo") is news in an alert after the click; in a page's
# text it is more often the form's own explanation.
_EMAIL_PROMISED = re.compile(rf"(enviaremos|se enviara|recibiras|llegara){_MAILBOX}")
_DOWNLOAD = re.compile(r"descarga|\b(xml|pdf)\b")
_CAPTCHA_PATTERN = re.compile(_CAPTCHA)
_UUID_CONTEXT = re.compile(r"folio fiscal|uuid|factura|cfdi|timbr")
_NEGATION = frozenset(("no", "nunca", "sin", "error", "al", "pudo", "podido", "sera", "seran"))
_ERROR = re.compile(
    r"\berror|no (fue|es) posible|no (se )?pudo|no pudimos|(intente|intenta|intentelo|intentalo)"
    r" (de nuevo|mas tarde|nuevamente)|invalid|incorrect|\bfallo|\bfalla|ocurrio un problema"
    r"|lo sentimos|obligatori|requerid|no disponible|excepcion|exception|denegad|rechazad"
    r"|sesion (ha )?(expirad|caducad|finalizad)|no cumple|(?<![a-z0-9])cfdi ?[0-9]{5}(?![0-9])"
)
# Help text on a form ("¿Tu ticket ya fue facturado? …", "Si tu ticket …", "Ingresa …")
# is not an answer.
_HELP_TEXT = re.compile(
    r"\b(si|en caso|recuerda|cuando|puedes|podras|debes|deberas|ingresa|captura|escribe"
    r"|selecciona)\b"
)
# In a message, only a condition or a question is help ("Debes iniciar sesión" is news).
_CONDITION = re.compile(r"\b(si (tu|su|el|la|los|las|ya|usted|no|tienes|deseas)|en caso de)\b")
# Standing notes about required fields are not errors ("Los campos marcados con * son
# obligatorios"); "El campo RFC es obligatorio" is.
_REQUIRED_NOTE = re.compile(r"\b(campos|datos)\b.{0,30}\b(obligatori|requerid)[a-z]*")
# A sentence ends at . ! ? before a capital or a digit: "No. de ticket" stays whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-záéíóúñ\s])")


def _sentences(text: str) -> list[str]:
    """The sentences of a text, line by line, whitespace collapsed."""
    found: list[str] = []
    for line in text.splitlines():
        found += [sentence for s in _SENTENCE_END.split(line) if (sentence := _clean(s))]
    return found


def _clean(text: str) -> str:
    return " ".join(text.split())


def _uuid(text: str) -> str | None:
    match = UUID_PATTERN.search(text)
    return match.group().upper() if match else None


def _affirmed(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the pattern occurs without a negation in the three words before it."""
    for match in pattern.finditer(text):
        before = set(text[: match.start()].split()[-3:])
        if not before & _NEGATION:
            return True
    return False


def _failure(text: str, *, page: bool) -> Signal | None:
    for signal, pattern, page_safe in _FAILURES:
        # "Tu sesión ha expirado" is about the portal's session, not the invoicing window.
        if signal is Signal.INVOICING_PERIOD_EXPIRED and "sesion" in text.split():
            continue
        if (page_safe or not page) and pattern.search(text):
            # The issuer's data refused is the vendor's problem, not the buyer's.
            issuer = signal is Signal.RECEPTOR_REJECTED and "emisor" in text.split()
            return Signal.ERROR if issuer else signal
    return None


def _most_specific(sentences: Sequence[str], *, page: bool) -> tuple[Signal, str] | None:
    """The failure of highest priority any sentence states, and that sentence."""
    order = [signal for signal, _, _ in _FAILURES]
    found = [
        (order.index(signal) if signal in order else len(order), signal, sentence)
        for sentence in sentences
        if (signal := _failure(normalize(sentence), page=page)) is not None
    ]
    return min(found, key=lambda item: item[0])[1:] if found else None


def _first(chunks: Sequence[str], patterns: Sequence[re.Pattern[str]]) -> str | None:
    for chunk in chunks:
        text = normalize(chunk)
        if any(_affirmed(pattern, text) for pattern in patterns):
            return chunk
    return None


def _good_news(chunks: Sequence[str], *, page: bool, uuid: bool) -> tuple[Signal, str] | None:
    """SUCCESS or EMAILED from chunks of text, and the chunk that says so. E-mailed
    without anything to download is EMAILED; anything else stamped is SUCCESS, and so
    is a folio fiscal (`uuid`: whether one shown counts)."""
    downloadable = any(_DOWNLOAD.search(normalize(chunk)) for chunk in chunks)
    with_uuid = next((c for c in chunks if uuid and UUID_PATTERN.search(c)), None)
    if page:
        chunks = [chunk for chunk in chunks if not _is_help_text(chunk)]
    emailed = _first(chunks, [_EMAILED] if page else [_EMAILED, _EMAIL_PROMISED])
    success = _first(chunks, [_SUCCESS])
    if emailed is not None and not downloadable:
        return Signal.EMAILED, emailed
    decided = success or with_uuid or emailed
    return (Signal.SUCCESS, decided) if decided is not None else None


def _error(sentences: Sequence[str]) -> tuple[Signal, str] | None:
    """A sentence that looks like an error, or denies success ("no se generó la factura")."""
    for sentence in sentences:
        text = _REQUIRED_NOTE.sub(" ", normalize(sentence))
        if _ERROR.search(text) or _SUCCESS.search(text) or _EMAILED.search(text):
            return Signal.ERROR, sentence
    return None


def read_message(text: str) -> Reading | None:
    """What one visible message (an alert, a toast, an error div) says, or None. The
    message is the whole text when short enough, else the sentence that decided."""
    whole = _clean(text)
    sentences = [
        s for s in _sentences(text) if not ("?" in s or "¿" in s or _CONDITION.search(normalize(s)))
    ]
    decided = (
        _most_specific(sentences, page=False)
        or _good_news(sentences, page=False, uuid=True)
        or _error(sentences)
    )
    if decided is None:
        return None
    signal, sentence = decided
    message = whole if len(whole) <= MAX_MESSAGE else sentence
    return Reading(signal, message[:MAX_MESSAGE], _uuid(whole))


def _page_failure(chunks: Sequence[str]) -> Reading | None:
    """Failures stated plainly in the page's text (not help text), most specific first."""
    decided = _most_specific([c for c in chunks if not _is_help_text(c)], page=True)
    if decided is None:
        return None
    signal, sentence = decided
    return Reading(signal, sentence[:MAX_MESSAGE], _uuid(sentence))


def read_page(visible_text: str, error_texts: Sequence[str] = ()) -> Reading | None:
    """What a whole page says. Alert-like elements (`error_texts`) are read first; a
    generic error among them gives way only to a page that shows a folio fiscal."""
    readings = [reading for text in error_texts if (reading := read_message(text))]
    specific = [r for r in readings if r.signal is not Signal.ERROR]
    failures = [r for r in specific if r.signal not in (Signal.SUCCESS, Signal.EMAILED)]
    if failures:
        return failures[0]
    page_uuid = _page_uuid(visible_text)
    if specific:
        reading = specific[0]
        return Reading(reading.signal, reading.message, reading.uuid or page_uuid)
    chunks = _sentences(visible_text)
    failure = _page_failure(chunks)
    if failure is not None:
        return failure
    news = _good_news(chunks, page=True, uuid=page_uuid is not None)
    if readings and page_uuid is None:
        return readings[0]
    if news is not None:
        return Reading(news[0], news[1][:MAX_MESSAGE], page_uuid)
    if readings:
        return readings[0]
    return _page_intervention(chunks)


def _is_help_text(chunk: str) -> bool:
    return "?" in chunk or "¿" in chunk or _HELP_TEXT.search(normalize(chunk)) is not None


def _page_uuid(visible_text: str) -> str | None:
    """A folio fiscal shown on a page that talks about invoices (not some session id)."""
    uuid = _uuid(visible_text)
    return uuid if uuid and _UUID_CONTEXT.search(normalize(visible_text)) else None


def _page_intervention(chunks: Sequence[str]) -> Reading | None:
    """A CAPTCHA the page asks to solve. A login form is left to the form scan: "Iniciar
    sesión" sits in the header of many portals that need no account."""
    for chunk in chunks:
        if _CAPTCHA_PATTERN.search(normalize(chunk)):
            return Reading(Signal.CAPTCHA, chunk[:MAX_MESSAGE])
    return None
