// Reads one frame of an invoicing portal: its fillable controls with every text that may
// say what they are, the clickable things, the messages shown, and the visible text.
// Each element found is tagged data-af-id="<prefix>-<n>" so the driver can find it again.
(prefix) => {
  let counter = 0;
  const found = new Set();
  const insideFound = (el) => {
    for (let n = el; n; n = n.parentElement) if (found.has(n)) return true;
    return false;
  };
  const norm = (t) => (t || "").replace(/\s+/g, " ").trim();
  const cut = (t, n) => { t = norm(t); return t.length > n ? t.slice(0, n) : t; };
  const visible = (el) => {
    if (!el || !el.getClientRects || el.getClientRects().length === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && style.opacity !== "0";
  };
  const tag = (el) => {
    found.add(el);
    let id = el.getAttribute("data-af-id");
    if (!id || !id.startsWith(prefix + "-")) {
      id = prefix + "-" + (counter++) + "-" + Math.random().toString(36).slice(2, 6);
      el.setAttribute("data-af-id", id);
    }
    return id;
  };
  const textOf = (el) => (el ? cut(el.innerText || el.textContent || "", 200) : "");
  const labelOf = (el) => {
    const parts = [];
    if (el.labels) for (const l of el.labels) parts.push(textOf(l));
    const by = el.getAttribute("aria-labelledby");
    if (by) for (const id of by.split(/\s+/)) parts.push(textOf(document.getElementById(id)));
    if (!parts.length) { const l = el.closest("label"); if (l) parts.push(textOf(l)); }
    return cut(parts.filter(Boolean).join(" "), 200);
  };
  // The text just before the control in its nearby container (neighbouring <td>, <span>…).
  const precedingText = (el) => {
    let node = el;
    for (let depth = 0; depth < 4 && node && node !== document.body; depth++) {
      let sib = node.previousElementSibling;
      while (sib) {
        if (!sib.matches("input,select,textarea,button,script,style") && visible(sib)) {
          const t = textOf(sib);
          if (t) return cut(t.slice(-80), 80);
        }
        if (sib.querySelector && sib.querySelector("input,select,textarea")) return "";
        sib = sib.previousElementSibling;
      }
      const prev = node.previousSibling;
      if (prev && prev.nodeType === 3 && norm(prev.textContent)) return cut(prev.textContent, 80);
      node = node.parentElement;
    }
    return "";
  };
  const legendOf = (el) => {
    const fs = el.closest("fieldset");
    const lg = fs && fs.querySelector("legend");
    return lg ? textOf(lg) : "";
  };
  const webForms = !!document.querySelector("input[name=__VIEWSTATE],input[name=__EVENTTARGET]");
  const base = (el) => ({
    reloads: el.tagName !== "INPUT" || ["radio", "checkbox"].includes(el.type)
      ? webForms || el.hasAttribute("onchange") : false,
    afid: tag(el),
    name: el.getAttribute("name") || "",
    id: el.id || "",
    label: labelOf(el),
    ariaLabel: el.getAttribute("aria-label") || "",
    placeholder: el.getAttribute("placeholder") || "",
    title: el.getAttribute("title") || "",
    precedingText: precedingText(el),
    legend: legendOf(el),
    autocomplete: el.getAttribute("autocomplete") || "",
    required: !!(el.required || el.getAttribute("aria-required") === "true"),
    disabled: !!(el.disabled || el.readOnly || el.getAttribute("aria-disabled") === "true"),
    maxLength: el.maxLength > 0 ? el.maxLength : null,
  });

  const controls = [];
  const radioGroups = new Map();
  for (const el of document.querySelectorAll("input,select,textarea")) {
    const type = (el.getAttribute("type") || (el.tagName === "SELECT" ? "select" : "text")).toLowerCase();
    if (["hidden", "submit", "button", "image", "reset", "file"].includes(type)) continue;
    if (type === "radio") {
      if (!visible(el) && !(el.labels && [...el.labels].some(visible))) continue;
      const key = el.name || tag(el);
      if (!radioGroups.has(key)) radioGroups.set(key, []);
      radioGroups.get(key).push(el);
      continue;
    }
    const shown = visible(el) || (type === "checkbox" && el.labels && [...el.labels].some(visible));
    if (!shown) continue;
    if (el.getAttribute("role") === "combobox" || el.getAttribute("aria-autocomplete") === "list") {
      controls.push({ ...base(el), tag: "combobox", type, value: el.value, options: [], optionIds: [] });
      continue;
    }
    const item = { ...base(el), tag: el.tagName.toLowerCase(), type, value: el.value || "" };
    if (el.tagName === "SELECT") {
      item.tag = "select";
      item.options = [...el.options].map((o) => norm(o.text));
      item.value = el.selectedIndex >= 0 ? norm(el.options[el.selectedIndex].text) : "";
      item.selectedIndex = el.selectedIndex;
      // "Régimen fiscal" as an empty first option is the select's only label on some portals.
      const first = el.options[0];
      if (first && !first.value && !item.placeholder) item.placeholder = norm(first.text);
    }
    if (type === "checkbox") { item.tag = "checkbox"; item.checked = el.checked; }
    controls.push(item);
  }
  for (const [, radios] of radioGroups) {
    const first = radios[0];
    const item = { ...base(first), tag: "radio-group", type: "radio" };
    item.label = item.label && radios.length === 1 ? item.label : "";
    item.options = radios.map((r) => labelOf(r) || r.value);
    item.optionIds = radios.map(tag);
    item.value = (radios.find((r) => r.checked) && labelOf(radios.find((r) => r.checked))) || "";
    item.required = radios.some((r) => r.required);
    const group = first.closest("[role=radiogroup],fieldset,.form-group,.campo,div");
    if (group && !item.legend) item.legend = legendOf(first) || cut(precedingText(group), 80);
    controls.push(item);
  }
  // Custom dropdowns: ARIA comboboxes that are not inputs, and plain clickable boxes
  // whose class says they are a select.
  const custom = document.querySelectorAll(
    "[role=combobox]:not(input),[aria-haspopup=listbox]:not(input)," +
    "[class*=select i]:not(select):not(input):not(option),[class*=dropdown i]:not(input)," +
    "[class*=combo i]:not(input)");
  for (const el of custom) {
    if (!visible(el) || el.closest("[role=listbox],[role=option]")) continue;
    if (el.querySelector("input:not([type=hidden]),select,textarea")) continue;
    if (el.parentElement && el.parentElement.closest("[data-af-custom]")) continue;
    if (el.matches("[class*=option i],[class*=item i],[class*=menu i],[class*=list i]")) continue;
    el.setAttribute("data-af-custom", "1");
    const item = { ...base(el), tag: "listbox", type: "custom", value: textOf(el), options: [], optionIds: [] };
    item.name = item.name || el.getAttribute("data-name") || "";
    controls.push(item);
  }

  // Dropdowns made of plain divs: a clickable box whose next sibling is a hidden list of
  // two or more text items (no ARIA, no telling class name).
  for (const el of document.querySelectorAll("div,span,a,button,p")) {
    if (found.has(el) || insideFound(el) || !visible(el)) continue;
    if (getComputedStyle(el).cursor !== "pointer" || el.children.length > 1) continue;
    const list = el.nextElementSibling;
    if (!list || visible(list) || list.children.length < 2) continue;
    const items = [...list.children];
    if (!items.every((i) => i.children.length === 0 && norm(i.textContent))) continue;
    el.setAttribute("data-af-custom", "1");
    const item = { ...base(el), tag: "listbox", type: "custom", value: textOf(el), options: [], optionIds: [] };
    if (!item.precedingText && el.parentElement) item.precedingText = precedingText(el.parentElement);
    item.options = items.map((i) => norm(i.textContent)).slice(0, 60);
    if (!item.options.includes(item.value)) { item.placeholder = item.placeholder || item.value; item.value = ""; }
    controls.push(item);
  }

  const buttons = [];
  const clickable = document.querySelectorAll(
    "button,input[type=submit],input[type=button],input[type=image],a[href],[role=button],[onclick],[role=link],[role=menuitem]");
  for (const el of clickable) {
    if (!visible(el) || el.closest("[data-af-custom]") || el.matches("select,option")) continue;
    if (el.parentElement && el.parentElement.closest("button,a[href],[role=button]")) continue;
    const img = el.querySelector && el.querySelector("img[alt]");
    const text = cut(el.innerText || el.value || el.getAttribute("aria-label") || el.title || (img && img.alt) || "", 80);
    if (!text && !el.getAttribute("download")) continue;
    buttons.push({
      afid: tag(el), tag: el.tagName.toLowerCase(), text,
      href: el.getAttribute("href") || "", download: el.getAttribute("download") || "",
      disabled: !!(el.disabled || el.getAttribute("aria-disabled") === "true"),
      formAction: el.form ? (el.form.getAttribute("action") || "") : "",
    });
  }
  // Plain elements styled as buttons (cursor: pointer) with a short label of their own.
  for (const el of document.querySelectorAll("div,span,li,td,label")) {
    if (el.children.length > 2 || insideFound(el) || el.closest("[data-af-custom],label")) continue;
    if (!visible(el) || getComputedStyle(el).cursor !== "pointer") continue;
    const text = cut(el.innerText, 80);
    if (!text || text.length > 40) continue;
    buttons.push({ afid: tag(el), tag: el.tagName.toLowerCase(), text, href: "", download: "", disabled: false, formAction: "" });
  }

  const alerts = [];
  const alertSel = "[role=alert],[role=alertdialog],[aria-live=assertive],[aria-live=polite]," +
    "[class*=error i],[class*=alert i],[class*=danger i],[class*=warning i],[class*=invalid i]," +
    "[class*=mensaje i],[class*=msg i],[class*=toast i],[class*=modal i],[class*=swal i],[class*=notif i]";
  for (const el of document.querySelectorAll(alertSel)) {
    if (!visible(el) || el.matches("input,select,textarea,button,form,body,html")) continue;
    const t = cut(el.innerText, 400);
    if (t && !alerts.includes(t)) alerts.push(t);
  }
  const busyWords = /^(procesando|cargando|espere|generando|timbrando|validando|enviando|loading)/i;
  const busy = [...document.querySelectorAll(
    "[class*=spinner i],[class*=loading i],[class*=loader i],[aria-busy=true]," +
    "[role=progressbar],[role=status]")]
    .some((el) => visible(el) && (!el.matches("[role=status]") || busyWords.test(norm(el.innerText).replace(/^\W+/, ""))));
  return {
    url: location.href,
    controls, buttons, alerts: alerts.slice(0, 20), busy,
    text: cut(document.body ? document.body.innerText : "", 6000),
  };
}
