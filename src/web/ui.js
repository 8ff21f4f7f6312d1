// Small DOM helpers: build elements without innerHTML, and show UserErrors by their field.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function field(label, name, attrs = {}) {
  const id = `f-${name.replace(/\W/g, "-")}`;
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name, "data-field": name, ...attrs }),
    h("small", { class: "error", "data-error-for": name }));
}

/** A labelled <select>; `fill(options, value)` replaces its [value, text] options. */
export function choice(label, name) {
  const id = `f-${name.replace(/\W/g, "-")}`;
  const select = h("select", { id, name, "data-field": name });
  select.fill = (options, value) => {
    select.replaceChildren(h("option", { value: "" }, "Elige una opción"),
      ...options.map(([code, text]) => h("option", { value: code, selected: code === value }, text)));
  };
  return h("div", { class: "field" }, h("label", { for: id }, label), select,
    h("small", { class: "error", "data-error-for": name }));
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Put each problem of a UserError next to its field; the rest in the form's banner. */
export function showErrors(form, error) {
  clearErrors(form);
  const problems = error.problems && error.problems.length
    ? error.problems : [{ field: error.field, message: error.message }];
  const general = [];
  for (const problem of problems) {
    const slot = problem.field && form.querySelector(`[data-error-for="${CSS.escape(problem.field)}"]`);
    if (slot) {
      slot.textContent = problem.message;
      const input = form.querySelector(`[data-field="${CSS.escape(problem.field)}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
    } else {
      general.push(problem.message);
    }
  }
  const repeated = problems.some((problem) => problem.message === error.message);
  if (error.problems && error.problems.length && general.length === 0 && !repeated) {
    general.push(error.message);
  }
  const banner = form.querySelector(".form-error");
  if (banner) banner.textContent = general.join(" ");
}

export function formError(form, message) {
  const banner = form.querySelector(".form-error");
  if (banner) banner.textContent = message;
}

export const STATUS = {
  PENDING: "En cola",
  RUNNING: "En curso",
  PAUSED: "En pausa",
  INTERVENTION_NEEDED: "Necesita tu ayuda",
  AWAITING_EMAIL: "Esperando el correo",
  COMPLETED: "Facturada",
  FAILED: "Falló",
  CANCELLED: "Cancelada",
};

export function statusBadge(status) {
  return h("span", { class: `badge s-${status}`, "data-status": status }, STATUS[status] || status);
}

export function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("es-MX", { dateStyle: "short", timeStyle: "medium" });
}
