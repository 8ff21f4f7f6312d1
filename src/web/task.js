// One task: status, controls, the live browser, the step timeline (taskEvents, resumed
// after a drop from the last seq seen), the failure in plain Spanish, and the invoice.
import { gql, subscriptions } from "./gql.js";
import { STATUS, h, statusBadge, when } from "./ui.js";

const TASK = `query($id: ID!) { task(id: $id) {
  id status vendorUrl failureCode failureReason interventionReason requireConfirmation
  engine attempt createdAt completedAt liveUrl
  ticket { folio date total store extra }
  fiscalProfile { taxId legalName }
  invoice { uuid total issuerRfc issuerName receptorRfc verified mismatches xmlUrl pdfUrl } } }`;
const EVENTS = `subscription($taskId: ID!, $after: Int!) {
  taskEvents(taskId: $taskId, after: $after) { seq type status message payload createdAt } }`;
const CONTROL = (name) => `mutation($id: ID!) { ${name}(id: $id) {
  __typename ... on Task { id status } ... on UserError { message } } }`;

const NEXT_STEP = {
  TICKET_NOT_FOUND: "El portal no encontró el ticket. Revisa el folio, la fecha y el total tal como vienen impresos; algunos tickets tardan hasta 24 horas en poder facturarse.",
  ALREADY_INVOICED: "Ese ticket ya se facturó. Busca la factura en tu correo o pídela a la tienda.",
  INVOICING_PERIOD_EXPIRED: "Pasó el plazo para facturar ese ticket. Pide la factura directamente en la tienda.",
  RECEPTOR_REJECTED: "El portal o el SAT rechazó tus datos fiscales. Revisa que el RFC, nombre, régimen y código postal de tu perfil coincidan con tu Constancia de Situación Fiscal y reintenta.",
  INVALID_PROFILE: "Tu perfil fiscal tiene datos que no cuadran (por ejemplo régimen y uso de CFDI). Corrígelo en Perfiles y reintenta.",
  PORTAL_ERROR: "El portal mostró un error. Lee su mensaje abajo; si es temporal, reintenta más tarde.",
  PORTAL_UNREACHABLE: "No pudimos abrir el portal. Revisa la URL o reintenta en unos minutos.",
  UNSUPPORTED_PORTAL: "No supimos llenar este portal por nuestra cuenta. Reintenta y toma el control desde la vista en vivo para terminarlo tú.",
  INVOICE_MISMATCH: "La factura que entregó el portal no corresponde a tus datos o al ticket. No la uses: contacta a la tienda para que la corrija.",
  TIMEOUT: "La tarea tardó demasiado. Reintenta; si vuelve a pasar, toma el control desde la vista en vivo.",
  INTERNAL: "Algo falló de nuestro lado. Reintenta en unos minutos.",
};
const INTERVENTION = {
  CAPTCHA: "El portal pide un código de verificación (CAPTCHA). Escríbelo en la vista en vivo y pulsa Reanudar.",
  LOGIN_REQUIRED: "El portal pide iniciar sesión. Hazlo en la vista en vivo y pulsa Reanudar.",
  CONFIRMATION_REQUIRED: "Todo está listo para timbrar. Revisa los datos en la vista en vivo y pulsa Reanudar para aprobar.",
  UNKNOWN_STATE: "No sabemos cómo seguir en esta página. Termina el paso en la vista en vivo y pulsa Reanudar.",
};
const ACTIVE = ["PENDING", "RUNNING", "PAUSED", "INTERVENTION_NEEDED", "AWAITING_EMAIL"];
const BUTTONS = [
  ["pauseTask", "Pausar", ["RUNNING"]],
  ["takeOver", "Tomar el control", ["RUNNING", "PAUSED", "INTERVENTION_NEEDED"]],
  ["resumeTask", "Reanudar", ["PAUSED", "INTERVENTION_NEEDED"]],
  ["cancelTask", "Cancelar", ACTIVE],
  ["retryTask", "Reintentar", ["FAILED", "CANCELLED"]],
];

const EVENT_TEXT = {
  LIVE_URL: () => "El navegador está listo: puedes verlo en vivo.",
  ARTIFACT: (p) => `Guardamos un archivo${p.name ? `: ${p.name}` : ""}.`,
  INVOICE: () => "Recibimos la factura.",
  ERROR: () => "Ocurrió un error.",
};

function eventLine(event) {
  const payload = event.payload || {};
  // Per-step screenshots and the final page are kept for the record, not for reading.
  const quiet = event.type === "ARTIFACT" && ["screenshot", "html"].includes(payload.kind);
  const text = event.message
    || (event.status ? `Estado: ${STATUS[event.status] || event.status}.` : null)
    || (EVENT_TEXT[event.type] || (() => event.type.toLowerCase()))(payload);
  return h("li", { class: `event e-${event.type}${quiet ? " quiet" : ""}`, "data-seq": event.seq },
    h("time", {}, when(event.createdAt)), " ", h("span", {}, text));
}

export function taskView(id) {
  let lastSeq = 0;
  let task = null;
  let liveOpen = false;
  const header = h("div", { class: "card" });
  const notice = h("div", { class: "notice", role: "status" });
  const controls = h("div", { class: "actions controls" });
  const liveSlot = h("div", { class: "live", id: "live-slot" });
  const invoice = h("div", { id: "invoice" });
  const streamState = h("span", { class: "muted", id: "stream-state" });
  const timeline = h("ol", { class: "timeline", id: "timeline" });
  const root = h("section", { id: "task" },
    h("p", {}, h("a", { href: "#/tasks" }, "← Tus facturas")),
    header, notice, controls, liveSlot, invoice,
    h("div", { class: "card" }, h("div", { class: "title-row" }, h("h2", {}, "Pasos"), streamState), timeline));

  async function load() {
    const data = await gql(TASK, { id });
    task = data.task;
    if (!task) {
      root.replaceChildren(h("p", { class: "card" }, "No encontramos esa tarea."));
      return;
    }
    render();
  }

  function render() {
    const t = task;
    header.replaceChildren(
      h("h1", {}, `Folio ${t.ticket.folio} `, statusBadge(t.status)),
      h("div", { class: "muted" }, t.vendorUrl),
      h("div", { class: "muted" }, `$${t.ticket.total} · ${t.ticket.date}${t.ticket.store ? ` · ${t.ticket.store}` : ""}`
        + (t.fiscalProfile ? ` · ${t.fiscalProfile.taxId}` : "") + (t.engine ? ` · motor ${t.engine}` : "")
        + ` · intento ${t.attempt}`));
    notice.replaceChildren();
    notice.className = "notice";
    if (t.status === "FAILED") {
      notice.className = "notice bad";
      notice.append(h("strong", {}, "No se pudo obtener la factura. "),
        h("span", { id: "next-step" }, NEXT_STEP[t.failureCode] || NEXT_STEP.INTERNAL),
        t.failureReason ? h("div", { class: "muted" }, `Detalle: ${t.failureReason}`) : null);
    } else if (t.status === "INTERVENTION_NEEDED") {
      notice.className = "notice warn";
      notice.append(INTERVENTION[t.interventionReason] || INTERVENTION.UNKNOWN_STATE);
    } else if (t.status === "PAUSED") {
      notice.className = "notice warn";
      notice.append("La tarea está en pausa: puedes usar el navegador en la vista en vivo y luego pulsar Reanudar.");
    } else if (t.status === "AWAITING_EMAIL") {
      notice.append("El portal enviará la factura por correo; la tarea terminará cuando llegue.");
    }
    controls.replaceChildren(...BUTTONS.map(([action, label, allowed]) =>
      h("button", { type: "button", "data-action": action, disabled: !allowed.includes(t.status),
        class: action === "cancelTask" ? "danger" : "", onclick: () => act(action) }, label)));
    renderLive();
    renderInvoice();
  }

  function renderLive() {
    const show = task.liveUrl && ACTIVE.includes(task.status)
      && (liveOpen || task.status === "INTERVENTION_NEEDED" || task.status === "PAUSED");
    if (!show) { liveSlot.replaceChildren(); return; }
    const current = liveSlot.querySelector("iframe");
    if (current) return;
    liveSlot.replaceChildren(h("iframe", { src: task.liveUrl, title: "Vista en vivo del navegador", id: "live-frame" }));
  }

  function renderInvoice() {
    const inv = task.invoice;
    if (!inv) { invoice.replaceChildren(); return; }
    invoice.replaceChildren(h("div", { class: `card ${inv.verified ? "ok" : "bad"}` },
      h("h2", {}, "Factura"),
      h("div", {}, "Folio fiscal (UUID): ", h("code", { id: "invoice-uuid" }, inv.uuid)),
      h("div", {}, `Emisor: ${inv.issuerName || ""} (${inv.issuerRfc}) · Receptor: ${inv.receptorRfc} · Total $${inv.total}`),
      h("div", { id: "verification" }, inv.verified ? "✔ Verificada: coincide con tu perfil y tu ticket."
        : `✖ No coincide: ${inv.mismatches.join(", ")}`),
      h("div", { class: "actions" },
        inv.xmlUrl && h("a", { class: "button", id: "download-xml", href: inv.xmlUrl, download: `${inv.uuid}.xml` }, "Descargar XML"),
        inv.pdfUrl && h("a", { class: "button", id: "download-pdf", href: inv.pdfUrl, download: `${inv.uuid}.pdf` }, "Descargar PDF"))));
  }

  async function act(action) {
    if (action === "takeOver") {
      liveOpen = true;
      if (task.status === "RUNNING") await act("pauseTask");
      else renderLive();
      return;
    }
    if (action === "cancelTask" && !confirm("¿Cancelar esta tarea?")) return;
    try {
      const result = (await gql(CONTROL(action), { id }))[action];
      if (result.__typename !== "Task") notice.replaceChildren(result.message);
      await load();
    } catch (error) {
      notice.replaceChildren(error.message);
    }
  }

  let reload = null;
  const stop = subscriptions.subscribe(
    () => ({ query: EVENTS, variables: { taskId: id, after: lastSeq } }),
    (data) => {
      const event = data.taskEvents;
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      timeline.append(eventLine(event));
      if (event.type !== "STEP") {
        clearTimeout(reload);
        reload = setTimeout(() => load().catch(() => {}), 150);
      }
    },
    (state) => {
      streamState.textContent = state === "live" ? "● en vivo" : state === "reconnecting" ? "reconectando…" : "";
    });

  load().catch((error) => header.replaceChildren(h("p", { class: "form-error" }, error.message)));
  root.cleanup = () => { stop(); clearTimeout(reload); };
  return root;
}
