// Hash routing: #/login, #/profiles, #/tasks, #/tasks/<id>; signed-out users go to #/login.
import { session, subscriptions } from "./gql.js";
import { loginView } from "./auth.js";
import { profilesView } from "./profiles.js";
import { tasksView } from "./tasks.js";
import { taskView } from "./task.js";
import { h } from "./ui.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let current = null;

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signOut() {
  session.token = null;
  sessionStorage.removeItem("autofactura.email");
  subscriptions.close();
  go("#/login");
}

function renderNav() {
  nav.replaceChildren(...(session.token ? [
    h("a", { href: "#/tasks" }, "Facturas"),
    h("a", { href: "#/profiles" }, "Perfiles"),
    h("span", { class: "muted who" }, sessionStorage.getItem("autofactura.email") || ""),
    h("button", { type: "button", class: "link", id: "logout", onclick: signOut }, "Salir"),
  ] : []));
}

function route() {
  if (current && current.cleanup) current.cleanup();
  const path = location.hash.replace(/^#/, "") || "/tasks";
  let view;
  if (!session.token || path === "/login") {
    if (session.token) return go("#/tasks");
    view = loginView(go);
  } else if (path === "/profiles") {
    view = profilesView();
  } else if (path.startsWith("/tasks/")) {
    view = taskView(decodeURIComponent(path.slice("/tasks/".length)));
  } else {
    view = tasksView(go);
  }
  renderNav();
  current = view;
  main.replaceChildren(view);
  document.title = `${view.querySelector("h1")?.textContent || "autofactura"} · autofactura`;
}

window.addEventListener("hashchange", route);
window.addEventListener("af:unauthenticated", signOut);
route();
