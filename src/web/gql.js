// The console's only door to the API: GraphQL over fetch, and graphql-transport-ws over a
// WebSocket for subscriptions (auth in connection_init, ping/pong, reconnect on drops).

const TOKEN_KEY = "autofactura.token";

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {}

export async function gql(query, variables = {}) {
  const headers = { "content-type": "application/json" };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST", headers, body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("No hay conexión con el servidor. Revisa tu red e intenta de nuevo.");
  }
  const body = await response.json().catch(() => ({}));
  if (body.errors && body.errors.length) {
    const [first] = body.errors;
    if (first.extensions && first.extensions.code === "UNAUTHENTICATED") {
      window.dispatchEvent(new Event("af:unauthenticated"));
    }
    throw new ApiError(first.message || "Error del servidor.");
  }
  if (!response.ok) throw new ApiError(`El servidor respondió ${response.status}.`);
  return body.data;
}

/** One graphql-transport-ws connection shared by every subscription of the page. */
class Subscriptions {
  constructor() {
    this.ws = null;
    this.ready = false;
    this.next = 1;
    this.active = new Map(); // id -> {payload(), onNext, onState}
    this.retry = 0;
    this.timer = null;
  }

  subscribe(payload, onNext, onState = () => {}) {
    const id = String(this.next++);
    this.active.set(id, { payload, onNext, onState });
    this.connect();
    if (this.ready) this.start(id);
    return () => {
      this.active.delete(id);
      if (this.ready) this.send({ id, type: "complete" });
      if (this.active.size === 0) this.close();
    };
  }

  connect() {
    if (this.ws || !session.token) return;
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
    const ws = (this.ws = new WebSocket(url, "graphql-transport-ws"));
    ws.onopen = () =>
      this.send({ type: "connection_init", payload: { Authorization: `Bearer ${session.token}` } });
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = (event) => this.dropped(ws, event);
  }

  receive(message) {
    if (message.type === "connection_ack") {
      this.ready = true;
      this.retry = 0;
      for (const id of this.active.keys()) this.start(id);
    } else if (message.type === "ping") {
      this.send({ type: "pong" });
    } else if (message.type === "next") {
      const sub = this.active.get(message.id);
      if (sub && message.payload.data) sub.onNext(message.payload.data);
    } else if (message.type === "error") {
      const errors = Array.isArray(message.payload) ? message.payload : [];
      if (errors.some((e) => e.extensions && e.extensions.code === "UNAUTHENTICATED")) {
        window.dispatchEvent(new Event("af:unauthenticated"));
        return;
      }
      const sub = this.active.get(message.id);
      if (sub) sub.onState("error", errors);
    }
  }

  start(id) {
    const sub = this.active.get(id);
    sub.onState("live");
    this.send({ id, type: "subscribe", payload: sub.payload() });
  }

  dropped(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.ready = false;
    if (event.code === 4403) window.dispatchEvent(new Event("af:unauthenticated"));
    if (this.active.size === 0 || event.code === 4403) return;
    for (const sub of this.active.values()) sub.onState("reconnecting");
    const wait = Math.min(10000, 500 * 2 ** this.retry++);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) ws.close(1000);
  }

  /** Drop the socket as a network failure would (used by tests and on sign-out). */
  reset() {
    if (this.ws) this.ws.close(4000, "reset");
  }
}

export const subscriptions = new Subscriptions();
window.autofacturaSubscriptions = subscriptions;
