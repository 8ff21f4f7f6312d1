// Sign up and log in: both return an AuthPayload whose token we keep in sessionStorage.
import { gql, session } from "./gql.js";
import { field, h, showErrors, formError } from "./ui.js";

const RESULT = `__typename
  ... on AuthPayload { token user { email } }
  ... on UserError { code message field }`;
const LOGIN = `mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { ${RESULT} } }`;
const REGISTER = `mutation($email: String!, $password: String!) {
  register(email: $email, password: $password) { ${RESULT}
    ... on ValidationError { problems { field code message } } } }`;

export function loginView(go) {
  let mode = "login";
  const title = h("h1", {}, "Inicia sesión");
  const submit = h("button", { type: "submit", class: "primary" }, "Entrar");
  const toggle = h("button", { type: "button", class: "link", id: "toggle-mode" }, "¿No tienes cuenta? Regístrate");
  const form = h("form", { class: "card narrow", id: "auth-form" },
    title,
    field("Correo electrónico", "email", { type: "email", autocomplete: "username", required: true }),
    field("Contraseña", "password", { type: "password", autocomplete: "current-password", required: true }),
    h("p", { class: "form-error", role: "alert" }),
    submit, toggle);
  toggle.addEventListener("click", () => {
    mode = mode === "login" ? "register" : "login";
    title.textContent = mode === "login" ? "Inicia sesión" : "Crea tu cuenta";
    submit.textContent = mode === "login" ? "Entrar" : "Crear cuenta";
    toggle.textContent = mode === "login" ? "¿No tienes cuenta? Regístrate" : "¿Ya tienes cuenta? Inicia sesión";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const data = await gql(mode === "login" ? LOGIN : REGISTER, {
        email: form.email.value.trim(), password: form.password.value,
      });
      const result = data[mode];
      if (result.__typename !== "AuthPayload") showErrors(form, result);
      else if (!result.token) formError(form, "Confirma tu correo y vuelve a iniciar sesión.");
      else {
        session.token = result.token;
        sessionStorage.setItem("autofactura.email", result.user.email);
        go("#/tasks");
      }
    } catch (error) {
      formError(form, error.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
