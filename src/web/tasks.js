// The task list (kept current by taskUpdates) and the new-task form.
import { gql, subscriptions } from "./gql.js";
import { PROFILES } from "./profiles.js";
import { clearErrors, field, formError, h, showErrors, statusBadge, when } from "./ui.js";

const ROW = "id status vendorUrl createdAt failureCode ticket { folio total date store }";
const LIST = `{ tasks(first: 50) { edges { node { ${ROW} } } } }`;
const UPDATES = `subscription { taskUpdates { ${ROW} } }`;
const CREATE = `mutation($input: CreateTaskInput!) { createTask(input: $input) {
  __typename ... on Task { id }
  ... on UserError { code message field }
  ... on ValidationError { problems { field code message } }
  ... on DuplicateTicketError { existingTaskId } } }`;

function extraRow() {
  return h("div", { class: "extra-row" },
    h("input", { name: "extraLabel", placeholder: "Etiqueta impresa (p. ej. Web ID)", "aria-label": "Etiqueta" }),
    h("input", { name: "extraValue", placeholder: "Valor", "aria-label": "Valor" }),
    h("button", { type: "button", class: "link", onclick: (e) => e.target.parentElement.remove() }, "Quitar"));
}

/** The app's demo vendor portal, when this server ships it (off in production). */
async function demoPortal() {
  const url = `${location.origin}/demo/portal/`;
  try {
    return (await fetch(url, { method: "HEAD" })).ok ? url : null;
  } catch {
    return null;
  }
}

function taskForm(profiles, go) {
  const extras = h("div", { class: "extras" });
  const select = h("select", { id: "f-fiscalProfileId", name: "fiscalProfileId", "data-field": "fiscalProfileId" },
    profiles.map((p) => h("option", { value: p.id }, `${p.taxId} — ${p.legalName}`)));
  const form = h("form", { class: "card", id: "task-form" },
    h("h2", {}, "Nueva factura"),
    field("URL del portal de facturación", "vendorUrl", { type: "url", required: true, placeholder: "https://facturacion.ejemplo.com" }),
    h("div", { class: "grid" },
      field("Folio del ticket", "ticket.folio", { required: true }),
      field("Fecha de compra", "ticket.date", { type: "date", required: true }),
      field("Total", "ticket.total", { inputmode: "decimal", required: true }),
      field("Tienda o sucursal (opcional)", "ticket.store", {})),
    h("fieldset", {}, h("legend", {}, "Otros datos impresos en el ticket"), extras,
      h("button", { type: "button", class: "link", onclick: () => extras.append(extraRow()) }, "+ Agregar dato"),
      h("small", { class: "error", "data-error-for": "ticket.extra" })),
    h("div", { class: "field" }, h("label", { for: "f-fiscalProfileId" }, "Perfil fiscal"), select,
      h("small", { class: "error", "data-error-for": "fiscalProfileId" })),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "requireConfirmation" }),
      " Aprobar antes de timbrar"),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "primary" }, "Facturar"));
  demoPortal().then((url) => {
    if (!url) return;
    const use = h("button", { type: "button", class: "link", id: "use-demo" }, "Usar el portal de demostración");
    use.addEventListener("click", () => { form.querySelector("[name=vendorUrl]").value = url; });
    form.querySelector("[name=vendorUrl]").after(use);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const extra = {};
    for (const row of extras.querySelectorAll(".extra-row")) {
      const label = row.querySelector("[name=extraLabel]").value.trim();
      if (label) extra[label] = row.querySelector("[name=extraValue]").value.trim();
    }
    const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const input = {
      vendorUrl: value("vendorUrl"),
      fiscalProfileId: select.value,
      requireConfirmation: form.requireConfirmation.checked,
      ticket: {
        folio: value("ticket.folio"), date: value("ticket.date"), total: value("ticket.total"),
        store: value("ticket.store") || null, extra: Object.keys(extra).length ? extra : null,
      },
    };
    try {
      const { createTask: result } = await gql(CREATE, { input });
      if (result.__typename === "Task") go(`#/tasks/${encodeURIComponent(result.id)}`);
      else if (result.__typename === "DuplicateTicketError") {
        showErrors(form, result);
        formError(form, "");
        form.querySelector(".form-error").append(result.message, " ",
          h("a", { href: `#/tasks/${encodeURIComponent(result.existingTaskId)}` }, "Ver esa tarea"));
      } else showErrors(form, result);
    } catch (error) {
      formError(form, error.message);
    }
  });
  return form;
}

export function tasksView(go) {
  const rows = new Map();
  const table = h("div", { class: "list", id: "task-list" });
  const live = h("span", { class: "muted", id: "live-state" });
  const formSlot = h("div");
  const root = h("section", { id: "tasks" },
    h("div", { class: "title-row" }, h("h1", {}, "Tus facturas"), live), formSlot, table);

  function render(task) {
    const item = h("a", { class: "card task-row", href: `#/tasks/${encodeURIComponent(task.id)}`, "data-folio": task.ticket.folio },
      h("div", {}, h("strong", {}, `Folio ${task.ticket.folio}`), " ", statusBadge(task.status)),
      h("div", { class: "muted" }, `${new URL(task.vendorUrl).host} · $${task.ticket.total} · ${task.ticket.date}`),
      h("div", { class: "muted" }, when(task.createdAt)));
    const old = rows.get(task.id);
    rows.set(task.id, item);
    if (old) old.replaceWith(item);
    else table.prepend(item);
    table.querySelector(".empty")?.remove();
  }

  // taskUpdates does not replay what happened while the socket was down: re-read the list.
  async function catchUp() {
    const { tasks } = await gql(LIST);
    for (const { node } of [...tasks.edges].reverse()) render(node);
  }

  let dropped = false;
  const stop = subscriptions.subscribe(() => ({ query: UPDATES }),
    (data) => render(data.taskUpdates),
    (state) => {
      live.textContent = state === "live" ? "● en vivo" : state === "reconnecting" ? "reconectando…" : "";
      if (state === "reconnecting") dropped = true;
      if (state === "live" && dropped) {
        dropped = false;
        catchUp().catch(() => {});
      }
    });

  (async () => {
    const [{ fiscalProfiles }, { tasks }] = await Promise.all([gql(PROFILES), gql(LIST)]);
    formSlot.replaceChildren(fiscalProfiles.length ? taskForm(fiscalProfiles, go)
      : h("p", { class: "card" }, "Para pedir una factura, primero ", h("a", { href: "#/profiles" }, "crea un perfil fiscal"), "."));
    for (const { node } of [...tasks.edges].reverse()) render(node);
    if (!rows.size) table.append(h("p", { class: "empty" }, "Aún no tienes facturas."));
  })().catch((error) => formSlot.replaceChildren(h("p", { class: "form-error" }, error.message)));
  root.cleanup = stop;
  return root;
}
