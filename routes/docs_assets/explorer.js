// The /docs explorer: renders /openapi.json with DOM APIs only (no innerHTML of document text).
"use strict";
const METHODS = ["get", "post", "put", "patch", "delete"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function resolve(doc, schema) {
  if (schema && schema.$ref) {
    const name = schema.$ref.split("/").pop();
    return { name, schema: doc.components.schemas[name] };
  }
  return { name: null, schema };
}

function schemaBlock(doc, label, schema) {
  const r = resolve(doc, schema);
  return el(
    "div",
    {},
    el("strong", {}, label + (r.name ? " (" + r.name + ")" : "")),
    el("pre", {}, JSON.stringify(r.schema, null, 2)),
  );
}

function operation(doc, path, method, op) {
  const body = el("div", {});
  if (op.description) body.append(el("p", {}, op.description));
  for (const p of op.parameters || []) {
    body.append(
      el(
        "div",
        {},
        el("code", {}, p.in + " " + p.name + (p.required ? " *" : "")),
        " " + JSON.stringify(p.schema || {}),
      ),
    );
  }
  const json = op.requestBody && op.requestBody.content["application/json"];
  if (json) body.append(schemaBlock(doc, "Request body", json.schema));
  for (const [status, res] of Object.entries(op.responses || {})) {
    const content = res.content && Object.values(res.content)[0];
    body.append(
      content
        ? schemaBlock(doc, status + " " + res.description, content.schema)
        : el("div", {}, el("strong", {}, status + " " + res.description)),
    );
  }
  const summary = el(
    "summary",
    {},
    el("span", { class: "method " + method }, method),
    " ",
    el("code", {}, path),
    " " + (op.summary || ""),
  );
  const item = el("details", {}, summary, body);
  item.dataset.search = (path + " " + (op.tags || []).join(" ") + " " + (op.summary || ""))
    .toLowerCase();
  return item;
}

async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("description").textContent = doc.info.description || "";
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const tag = (item[method].tags || ["other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operation(doc, path, method, item[method]));
    }
  }
  const ops = document.getElementById("ops");
  ops.replaceChildren();
  for (const [tag, items] of groups) ops.append(el("section", {}, el("h2", {}, tag), ...items));
  document.getElementById("filter").addEventListener("input", (e) => {
    const q = e.target.value.toLowerCase();
    for (const d of ops.querySelectorAll("details")) d.hidden = !d.dataset.search.includes(q);
  });
}

main().catch((err) => {
  document.getElementById("ops").replaceChildren(el("p", {}, "Could not load the API: " + err));
});
