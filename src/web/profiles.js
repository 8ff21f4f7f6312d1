// Fiscal profiles: list, create, edit, delete; the API's Spanish messages by their field.
import { gql } from "./gql.js";
import { choice, clearErrors, field, formError, h, showErrors } from "./ui.js";

const FIELDS = "id taxId legalName taxSystem zip cfdiUse email taxIdConfirmed personType";
const ERRORS = `... on UserError { code message field }
  ... on ValidationError { problems { field code message } }`;
export const PROFILES = `{ fiscalProfiles { ${FIELDS} } }`;
const CREATE = `mutation($input: FiscalProfileInput!) { createFiscalProfile(input: $input) {
  __typename ... on FiscalProfile { id } ${ERRORS} } }`;
const UPDATE = `mutation($id: ID!, $input: FiscalProfilePatch!) {
  updateFiscalProfile(id: $id, input: $input) { __typename ... on FiscalProfile { id } ${ERRORS} } }`;
const DELETE = `mutation($id: ID!) { deleteFiscalProfile(id: $id) {
  __typename ... on UserError { code message field } } }`;

const CATALOGS = `{ fiscalCatalogs {
  taxSystems { code description forMoral forFisica }
  cfdiUses { code description taxSystems fisicaOnly } } }`;
const INPUTS = [
  ["RFC", "taxId", { maxlength: 13, autocapitalize: "characters", placeholder: "XAXX010101000" }],
  ["Nombre o razón social", "legalName", {}],
  ["Código postal fiscal", "zip", { inputmode: "numeric", maxlength: 5 }],
  ["Correo electrónico", "email", { type: "email" }],
];
const CHOICES = [["Régimen fiscal", "taxSystem"], ["Uso de CFDI", "cfdiUse"]];
let catalogs = null; // the SAT catalogs, read once per page load

/** Offer only the regimes of the RFC's person type, and the uses valid for the regime. */
function narrowChoices(form) {
  const rfc = form.taxId.value.trim();
  const moral = rfc.length === 12, fisica = rfc.length === 13;
  const systems = catalogs.taxSystems.filter((s) =>
    (!moral && !fisica) || (moral && s.forMoral) || (fisica && s.forFisica));
  form.taxSystem.fill(systems.map((s) => [s.code, `${s.code} · ${s.description}`]),
    form.taxSystem.value || form.taxSystem.dataset.initial);
  const system = form.taxSystem.value;
  const uses = catalogs.cfdiUses.filter((u) =>
    (!system || u.taxSystems.includes(system)) && !(moral && u.fisicaOnly));
  form.cfdiUse.fill(uses.map((u) => [u.code, `${u.code} · ${u.description}`]),
    form.cfdiUse.value || form.cfdiUse.dataset.initial);
}

function profileForm(profile, done) {
  const picks = CHOICES.map(([label, name]) => choice(label, name));
  const form = h("form", { class: "card", id: "profile-form" },
    h("h2", {}, profile ? "Editar perfil" : "Nuevo perfil fiscal"),
    h("div", { class: "grid" }, INPUTS.map(([label, name, attrs]) =>
      field(label, name, { ...attrs, value: profile ? profile[name] : "" })), picks),
    h("label", { class: "check" },
      h("input", { type: "checkbox", name: "taxIdConfirmed", checked: profile?.taxIdConfirmed }),
      " El RFC está exactamente como lo imprimió el SAT"),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, profile ? "Guardar" : "Crear perfil"),
      profile && h("button", { type: "button", onclick: () => done() }, "Cancelar")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const names = [...INPUTS, ...CHOICES].map(([, name]) => name);
    const input = Object.fromEntries(names.map((name) => [name, form[name].value.trim()]));
    input.taxIdConfirmed = form.taxIdConfirmed.checked;
    try {
      const data = profile
        ? (await gql(UPDATE, { id: profile.id, input })).updateFiscalProfile
        : (await gql(CREATE, { input })).createFiscalProfile;
      if (data.__typename === "FiscalProfile") done();
      else showErrors(form, data);
    } catch (error) {
      formError(form, error.message);
    }
  });
  for (const [, name] of CHOICES) form[name].dataset.initial = profile ? profile[name] : "";
  narrowChoices(form);
  form.taxId.addEventListener("input", () => narrowChoices(form));
  form.taxSystem.addEventListener("change", () => narrowChoices(form));
  return form;
}

export function profilesView() {
  const root = h("section", { id: "profiles" }, h("h1", {}, "Perfiles fiscales"));
  const list = h("div", { class: "list" });
  const slot = h("div");
  root.append(slot, list);

  async function refresh() {
    catalogs ??= (await gql(CATALOGS)).fiscalCatalogs;
    slot.replaceChildren(profileForm(null, refresh));
    const { fiscalProfiles } = await gql(PROFILES);
    list.replaceChildren(...(fiscalProfiles.length ? fiscalProfiles.map(row)
      : [h("p", { class: "empty" }, "Aún no tienes perfiles. Crea uno con los datos de tu Constancia de Situación Fiscal.")]));
  }

  function row(profile) {
    const item = h("article", { class: "card profile", "data-rfc": profile.taxId },
      h("strong", {}, profile.legalName),
      h("div", { class: "muted" }, `${profile.taxId} · régimen ${profile.taxSystem} · CP ${profile.zip} · ${profile.cfdiUse}`),
      h("div", { class: "muted" }, profile.email),
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => slot.replaceChildren(profileForm(profile, refresh)) }, "Editar"),
        h("button", { type: "button", class: "danger", onclick: () => remove(profile, item) }, "Eliminar")));
    return item;
  }

  async function remove(profile, item) {
    if (!confirm(`¿Eliminar el perfil ${profile.taxId}?`)) return;
    const { deleteFiscalProfile: result } = await gql(DELETE, { id: profile.id });
    if (result.__typename === "DeletedFiscalProfile") refresh();
    else formError(item, result.message);
  }

  refresh().catch((error) => slot.replaceChildren(h("p", { class: "form-error" }, error.message)));
  return root;
}
