// The dashboard's behaviour. It reads the control API (/__mockso/...) and acts through the
// mocked API (/api/v1/...), as a client would. What the server sends is put into the page with
// textContent and attributes, never innerHTML: paths, error messages and ImageInfo text are
// whatever some client sent.

// Polling, not server-sent events: the app runs on a bounded pool of threads, and an event
// stream would hold one of them for as long as each dashboard tab stays open.
const POLL_MS = 1500;
const JOURNAL_LIMIT = 100;
const THUMBNAIL_FIT = 256; // twice the card's height, for sharp thumbnails on dense screens
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHOWN_AS_IS = new Set(["image/png", "image/jpeg", "image/gif"]); // not TIFF
const EXTENSIONS = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/tiff": "tif" };

const $ = (id) => document.getElementById(id);

const view = {
  namespace: $("namespace").value || "default",
  paused: false,
  timer: null,
  records: [],
  journalKey: null, // the newest record and the count: a change means the store may have too
  listingKey: null,
  coverageKey: null,
  shown: null, // keys of the rows on screen, to flag new ones (null before the first render)
  driftKey: null,
  sequence: { journal: 0, pictures: 0, coverage: 0, drift: 0 }, // only the latest answer is drawn
  opener: null, // what had focus before the detail dialog opened
};

// --- helpers -----------------------------------------------------------------------------

/** An element with properties ("text" sets textContent, "on…" adds a listener) and children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** "404 NotFound: Person 5 has no picture", from SuperOffice's error object when there is one. */
async function errorText(response) {
  try {
    const body = await response.json();
    if (body && body.ErrorMessage) return `${response.status} ${body.ErrorType}: ${body.ErrorMessage}`;
  } catch {
    // not the error object: the status line says what there is to say
  }
  return `${response.status} ${response.statusText}`.trim();
}

async function control(path, options = {}) {
  const response = await fetch(path, { cache: "no-store", ...options });
  if (!response.ok) throw new Error(await errorText(response));
  return response.status === 204 ? null : response.json();
}

function say(text, kind = "ok") {
  const status = $("status");
  status.className = `status ${kind}`;
  status.textContent = text;
}

function bytes(count) {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(1)} MB`;
}

function clock(date) {
  const time = date.toLocaleTimeString("en-GB", { hour12: false });
  return `${time}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/** A path that may break after each "/" on a narrow screen, rather than inside a word. */
function breakable(path) {
  return path.split("/").flatMap((part, index) => (index === 0 ? [part] : [el("wbr"), `/${part}`]));
}

/** An ImageInfo date ("2026-01-05T09:30:00.001+01:00") as "2026-01-05 09:30:00". */
function when(text) {
  if (!text) return el("span", { class: "muted", text: "–" });
  return el("time", { datetime: text, title: text, text: text.slice(0, 19).replace("T", " ") });
}

// --- the mocked API: what the actions send --------------------------------------------------

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function apiHeaders() {
  const headers = {
    Accept: "application/json",
    Authorization: `Basic ${base64(`${$("user").value}:${$("password").value}`)}`,
  };
  if (view.namespace !== "default") headers["X-Mockso-Namespace"] = view.namespace;
  return headers;
}

function imagePath(entity, id) {
  return `/api/v1/${encodeURIComponent(entity)}/${encodeURIComponent(id)}/Image`;
}

async function upload(event) {
  event.preventDefault();
  const form = event.currentTarget;
  if (!form.reportValidity()) return;
  const entity = $("upload-entity").value;
  const id = $("upload-id").value;
  const file = $("upload-file").files[0];
  const body = new FormData();
  body.append("file", file, file.name);
  try {
    const response = await fetch(imagePath(entity, id), { method: "POST", headers: apiHeaders(), body });
    if (response.ok) {
      say(`Saved the picture of ${entity} ${id} in ${view.namespace}: blob id ${await response.json()}.`);
      $("upload-file").value = "";
    } else {
      say(`Upload refused: ${await errorText(response)}`, "error");
    }
  } catch (error) {
    say(`Upload failed: ${error.message}`, "error");
  }
  await refresh(true);
}

async function remove(entity, id) {
  try {
    const response = await fetch(imagePath(entity, id), { method: "DELETE", headers: apiHeaders() });
    if (response.ok) say(`Deleted the picture of ${entity} ${id} in ${view.namespace}.`);
    else say(`Delete refused: ${await errorText(response)}`, "error");
  } catch (error) {
    say(`Delete failed: ${error.message}`, "error");
  }
  if ($("detail").open) $("detail").close();
  await refresh(true);
}

async function reset(all) {
  const what = all ? "every namespace" : `namespace ${view.namespace}`;
  if (!window.confirm(`Reset ${what}? Pictures, journal, rules and coverage go back to start.`)) return;
  try {
    await control(`/__mockso/reset${all ? "" : query({ namespace: view.namespace })}`, { method: "POST" });
    say(`Reset ${what}.`);
  } catch (error) {
    say(`Reset failed: ${error.message}`, "error");
  }
  await refresh(true);
}

// --- gallery -----------------------------------------------------------------------------

function pictureUrl(picture, fit = null) {
  const namespace = view.namespace === "default" ? null : view.namespace;
  const path = `/__mockso/pictures/${encodeURIComponent(picture.entity)}/${picture.id}/image`;
  return path + query({ namespace, fit });
}

async function loadPictures() {
  const ticket = ++view.sequence.pictures;
  const listing = await control(`/__mockso/pictures${query({ namespace: view.namespace })}`);
  if (ticket !== view.sequence.pictures) return;
  const key = JSON.stringify(listing);
  if (key === view.listingKey) return; // unchanged: keep the thumbnails already loaded
  view.listingKey = key;
  $("namespace-list").replaceChildren(...listing.namespaces.map((name) => el("option", { value: name })));
  $("gallery-namespace").textContent = listing.namespace;
  $("gallery-empty").hidden = listing.pictures.length > 0;
  const groups = listing.entities
    .map((entity) => [entity, listing.pictures.filter((picture) => picture.entity === entity)])
    .filter(([, pictures]) => pictures.length > 0);
  $("gallery").replaceChildren(...groups.map(([entity, pictures]) => group(entity, pictures)));
}

function group(entity, pictures) {
  const count = `${pictures.length} picture${pictures.length === 1 ? "" : "s"}`;
  return el(
    "section",
    { class: "group", "aria-labelledby": `group-${entity}` },
    el("h3", { id: `group-${entity}` }, entity, el("span", { class: "count", text: count })),
    el("ul", { class: "cards" }, ...pictures.map(card)),
  );
}

function card(picture) {
  const label = `${picture.entity} ${picture.id}`;
  return el(
    "li",
    { class: "card", "data-entity": picture.entity, "data-id": picture.id },
    el(
      "button",
      { type: "button", class: "thumb", "aria-label": `Show ${label}: picture and ImageInfo`, onclick: () => openDetail(picture) },
      el("img", { src: pictureUrl(picture, THUMBNAIL_FIT), alt: `Thumbnail of the picture of ${label}` }),
    ),
    el("h4", { text: label }),
    el("dl", { class: "meta" }, ...facts(picture)),
    el(
      "div",
      { class: "actions" },
      el("button", { type: "button", class: "danger", "aria-label": `Delete the picture of ${label}`, onclick: () => remove(picture.entity, picture.id) }, "Delete"),
    ),
  );
}

function facts(picture) {
  const pairs = [
    ["Blob id", String(picture.blobId)],
    ["Type", picture.mimeType],
    ["Pixels", picture.width ? `${picture.width}×${picture.height}` : "–"],
    ["Size", bytes(picture.size)],
    ["Created", when(picture.created)],
    ["Updated", when(picture.updated)],
  ];
  return pairs.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", {}, value)]);
}

function openDetail(picture) {
  const label = `${picture.entity} ${picture.id}`;
  const shownAsIs = SHOWN_AS_IS.has(picture.mimeType);
  $("detail-title").textContent = `${label} · blob ${picture.blobId}`;
  const image = $("detail-image");
  image.src = shownAsIs ? pictureUrl(picture) : pictureUrl(picture, 4096);
  image.alt = `The picture of ${label}${shownAsIs ? "" : ", converted to PNG"}`;
  const dimensions = picture.width ? `${picture.width}×${picture.height} px, ` : "";
  const note = shownAsIs ? "as stored" : "shown as PNG: browsers do not show TIFF";
  $("detail-caption").textContent = `${picture.mimeType}, ${dimensions}${bytes(picture.size)} (${note})`;
  const original = $("detail-original");
  original.href = pictureUrl(picture);
  original.setAttribute("download", `${picture.entity}-${picture.id}.${EXTENSIONS[picture.mimeType] || "bin"}`);
  $("detail-info").replaceChildren(...infoRows(picture.info));
  $("detail-delete").onclick = () => remove(picture.entity, picture.id);
  view.opener = document.activeElement;
  $("detail").showModal();
}

function infoRows(info) {
  return Object.entries(info).flatMap(([name, value]) => {
    let shown;
    if (value !== null && typeof value === "object") shown = el("pre", { text: JSON.stringify(value, null, 2) });
    else if (value === "" || value === null) shown = el("span", { class: "muted", text: value === "" ? "(empty)" : "null" });
    else shown = String(value);
    return [el("dt", { text: name }), el("dd", {}, shown)];
  });
}

// --- journal -----------------------------------------------------------------------------

function journalScope() {
  return $("journal-scope").value === "all" ? null : view.namespace;
}

async function loadJournal() {
  const ticket = ++view.sequence.journal;
  const records = await control(`/__mockso/journal${query({ namespace: journalScope(), limit: JOURNAL_LIMIT })}`);
  if (ticket !== view.sequence.journal) return false;
  const key = `${records.length}:${JSON.stringify(records[0] ?? null)}`;
  const changed = key !== view.journalKey;
  view.journalKey = key;
  if (changed) {
    view.records = records;
    drawJournal();
  }
  return changed;
}

function statusMatches(record, filter) {
  if (filter === "") return true;
  if (filter === "errors") return record.status >= 400;
  if (filter === "success") return record.status >= 200 && record.status < 300;
  return record.status === Number(filter);
}

/** The leniency filter: "" any, "yes" leaned on one, "no" kept to the contract. */
function deviationsMatch(record, filter) {
  if (filter === "") return true;
  return (record.deviations.length > 0) === (filter === "yes");
}

function recordKey(record) {
  return `${record.time} ${record.namespace} ${record.method} ${record.path} ${record.status}`;
}

function drawJournal() {
  const filter = $("journal-status").value;
  const leaned = $("journal-deviations").value;
  const records = view.records.filter((record) => statusMatches(record, filter) && deviationsMatch(record, leaned));
  const before = view.shown;
  view.shown = new Set(view.records.map(recordKey));
  $("journal-rows").replaceChildren(...records.map((record) => row(record, before !== null && !before.has(recordKey(record)))));
  const empty = $("journal-empty");
  empty.hidden = records.length > 0;
  empty.textContent = view.records.length
    ? "No request of the newest 100 matches these filters."
    : "No requests yet. Point your client at this mock, or upload a picture.";
}

function row(record, fresh) {
  const failed = record.status >= 400 || record.fault !== null;
  const about = [
    record.operationId ?? "no operation matched",
    $("journal-scope").value === "all" ? `namespace ${record.namespace}` : null,
    record.fault ? `fault: ${record.fault}` : null,
    record.undocumented ? "status not documented (asked for)" : null,
    record.deviations.length ? `leaned on the real server ${record.deviations.length}×` : null,
  ].filter(Boolean);
  const target = record.query ? `${record.path}?${record.query}` : record.path;
  const leaned = record.deviations.length > 0;
  const classes = [failed ? "failed" : "", leaned ? "leaned" : "", fresh ? "fresh" : ""].filter(Boolean).join(" ");
  return el(
    "tr",
    { class: classes || null },
    el("td", { class: "col-time" }, el("time", { datetime: record.time, title: record.time, text: clock(new Date(record.time)) })),
    el(
      "td",
      { class: "request" },
      el("div", { class: "line" }, el("span", { class: "method", text: record.method }), el("span", { class: "path" }, ...breakable(target))),
      el("div", { class: "sub", text: about.join(" · ") }),
      record.error ? el("div", { class: "message", text: record.error }) : null,
      leaned ? el("ul", { class: "deviations" }, ...record.deviations.map((line) => el("li", { text: line }))) : null,
    ),
    el("td", { class: "num" }, el("span", { class: "badge", text: record.status })),
    el("td", { class: "num", text: record.duration_ms.toFixed(1) }),
  );
}

// --- coverage ----------------------------------------------------------------------------

/** 200 < 204 < 4XX < default: numbers, then ranges, then default. */
function statusOrder(status) {
  if (/^\d+$/.test(status)) return Number(status);
  if (status.toLowerCase() === "default") return 1000;
  return Number(status[0]) * 100 + 99;
}

async function loadCoverage() {
  const ticket = ++view.sequence.coverage;
  const report = await control(`/__mockso/coverage${query({ namespace: journalScope() })}`);
  if (ticket !== view.sequence.coverage) return;
  const key = JSON.stringify(report);
  if (key === view.coverageKey) return;
  view.coverageKey = key;
  const statuses = [...new Set(report.responses.map((r) => r.status))].sort((a, b) => statusOrder(a) - statusOrder(b));
  const operations = new Map();
  for (const response of report.responses) {
    if (!operations.has(response.operationId)) operations.set(response.operationId, { ...response, cells: new Map() });
    operations.get(response.operationId).cells.set(response.status, response);
  }
  $("coverage-head").replaceChildren(
    el("th", { scope: "col", text: "Operation" }),
    ...statuses.map((status) => el("th", { scope: "col", text: status })),
  );
  $("coverage-rows").replaceChildren(
    ...[...operations.values()].map((operation) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, operation.operationId, el("span", { class: "sub" }, `${operation.method} `, ...breakable(operation.path))),
        ...statuses.map((status) => coverageCell(operation.cells.get(status))),
      ),
    ),
  );
  const where = report.namespace === null ? "all namespaces" : `namespace ${report.namespace}`;
  $("coverage-summary").textContent =
    `${report.responses_covered} of ${report.responses_total} documented answers seen (${report.percentage} %), ` +
    `${report.operations_covered} of ${report.operations_total} operations, in ${where}.`;
  const extra = report.undocumented.map((u) => el("li", { text: `${u.operationId} answered ${u.status} (${u.count}×)` }));
  $("coverage-undocumented").replaceChildren(
    ...(extra.length ? [el("h3", { text: "Answers the contract does not document" }), el("ul", {}, ...extra)] : []),
  );
  const leaned = report.deviations.map((d) => el("li", { text: `${d.operationId}: ${d.kind} (${d.count}×)` }));
  $("coverage-deviations").replaceChildren(
    ...(leaned.length ? [el("h3", { text: "Where requests leaned on the real server's leniency" }), el("ul", {}, ...leaned)] : []),
  );
}

function coverageCell(response) {
  if (!response) {
    return el("td", { class: "none" }, el("span", { "aria-hidden": "true", text: "–" }), el("span", { class: "visually-hidden", text: "not documented" }));
  }
  return el("td", { class: response.covered ? "seen" : "unseen", title: response.description, text: response.count });
}

// --- drift (mockso proxy) ----------------------------------------------------------------

/** Where the target's answers differ from the contract; the panel shows only under a proxy. */
async function loadDrift() {
  const ticket = ++view.sequence.drift;
  const report = await control("/__mockso/drift");
  if (ticket !== view.sequence.drift) return;
  const key = JSON.stringify(report);
  if (key === view.driftKey) return;
  view.driftKey = key;
  $("drift").hidden = report.target === null;
  $("drift-summary").textContent =
    `${report.findings} findings in ${report.exchanges} answers from ${report.target}` +
    (report.findings ? "." : ": every answer kept the contract.");
  const rows = [];
  for (const operation of report.operations) {
    for (const kind of operation.kinds) {
      const name = operation.operationId ?? "(no operation)";
      rows.push(
        el(
          "tr",
          {},
          el("th", { scope: "row" }, name, el("span", { class: "sub" }, `${operation.method} `, ...breakable(operation.path))),
          el("td", { text: kind.kind }),
          el("td", { class: "count", text: kind.count }),
          el("td", { text: kind.places.join(", ") }),
          el("td", {}, el("code", { text: kind.example.request }), ` → ${kind.example.status}: ${kind.example.message}`),
        ),
      );
    }
  }
  $("drift-rows").replaceChildren(...rows);
}

// --- refreshing --------------------------------------------------------------------------

/** The journal; the pictures and coverage too when it changed (or when asked). */
async function refresh(everything = false) {
  try {
    const changed = await loadJournal();
    if (changed || everything) await Promise.all([loadPictures(), loadCoverage(), loadDrift()]);
    setLive(`Live · ${clock(new Date())}`);
  } catch (error) {
    setLive(`Cannot reach the mock: ${error.message}`, true);
  }
}

function setLive(text, failed = false) {
  $("journal-live-text").textContent = view.paused ? "Paused" : text;
  $("journal-live").classList.toggle("paused", view.paused || failed);
}

function schedule() {
  clearTimeout(view.timer);
  // Hidden tabs do not poll: nobody is looking, and the mock's threads serve the clients.
  if (!view.paused && !document.hidden) view.timer = setTimeout(tick, POLL_MS);
}

async function tick() {
  await refresh();
  schedule();
}

function chooseNamespace(event) {
  event.preventDefault();
  const input = $("namespace");
  const name = input.value.trim();
  if (!NAME.test(name)) {
    input.setAttribute("aria-invalid", "true");
    say(`${JSON.stringify(name)} is not a namespace name: 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.`, "error");
    return;
  }
  input.removeAttribute("aria-invalid");
  if (name === view.namespace) return;
  view.namespace = name;
  history.replaceState(null, "", name === "default" ? location.pathname : query({ namespace: name }));
  view.shown = null;
  say(`Showing namespace ${name}.`);
  refresh(true);
}

function togglePause() {
  view.paused = !view.paused;
  const button = $("journal-pause");
  button.setAttribute("aria-pressed", String(view.paused));
  button.textContent = view.paused ? "Resume" : "Pause";
  setLive("Live");
  if (view.paused) clearTimeout(view.timer);
  else tick();
}

function closeDetail() {
  $("detail").close();
}

function start() {
  $("namespace-form").addEventListener("submit", chooseNamespace);
  $("namespace").addEventListener("change", chooseNamespace);
  $("upload-form").addEventListener("submit", upload);
  $("reset-namespace").addEventListener("click", () => reset(false));
  $("reset-all").addEventListener("click", () => reset(true));
  $("gallery-refresh").addEventListener("click", () => {
    view.listingKey = null;
    refresh(true);
  });
  $("journal-pause").addEventListener("click", togglePause);
  $("journal-scope").addEventListener("change", () => {
    view.journalKey = null;
    view.shown = null;
    refresh(true);
  });
  $("journal-status").addEventListener("change", drawJournal);
  $("journal-deviations").addEventListener("change", drawJournal);
  $("detail-close").addEventListener("click", closeDetail);
  $("detail").addEventListener("click", (event) => {
    // A click outside the dialog's box lands on the dialog itself: the backdrop closes it.
    const box = event.currentTarget.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (event.target === event.currentTarget && !inside) closeDetail();
  });
  $("detail").addEventListener("close", () => {
    if (view.opener && document.contains(view.opener)) view.opener.focus();
  });
  document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(view.timer) : tick()));
  tick();
}

start();
