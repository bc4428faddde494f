// The playground: a chat against the gateway's sessions API (API.md, "Background turns
// and EventSource"). A turn is started in the background and its events are read with
// EventSource, so a reply survives a dropped connection (the browser resumes with
// Last-Event-ID) and a reload (the page reopens the running turn's events from the start).
// Plain DOM, textContent only: nothing the gateway or the model sends is parsed as HTML.

const $ = (id) => document.getElementById(id);
const el = {
  apiKey: $("api-key"),
  model: $("model"),
  system: $("system"),
  prefill: $("prefill"),
  message: $("message"),
  send: $("send"),
  stop: $("stop"),
  newSession: $("new-session"),
  sessions: $("sessions"),
  transcript: $("transcript"),
  status: $("status"),
  composer: $("composer"),
  attach: $("attach"),
  attachments: $("attachments"),
};

// Upstream takes these four; anything else is refused before it is sent.
const kImageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const store = {
  get(key) {
    try {
      return localStorage.getItem(`gw.${key}`);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(`gw.${key}`);
      else localStorage.setItem(`gw.${key}`, value);
    } catch {
      // Storage off (private mode): the page works, it just forgets.
    }
  },
};

const state = {
  session: null, // the open session, as GET /gateway/v1/sessions/{id} gives it
  running: null, // {session_id, turn_id, events_url, content, prefill} of the running turn
  events: null, // its EventSource
  reply: null, // the assistant message element being written
  replyText: "",
  stopReason: null,
  usage: {},
  images: [], // files to send with the next message, as multipart image parts
};

// ---- status line

function showStatus(text, kind = "info") {
  el.status.textContent = text;
  el.status.dataset.kind = kind;
}

function usageText(usage) {
  if (!usage) return "";
  const parts = [];
  for (const key of [
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
  ]) {
    if (typeof usage[key] === "number") parts.push(`${key}: ${usage[key]}`);
  }
  return parts.join(" · ");
}

// ---- HTTP

class ApiFailure extends Error {
  constructor(message, status, type) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  const key = el.apiKey.value.trim();
  if (key) h["x-api-key"] = key;
  return h;
}

async function api(method, path, body, extra = {}) {
  const init = { method, headers: headers(extra) };
  if (body instanceof FormData) {
    // multipart/form-data with its boundary: the browser writes that header itself.
    init.body = body;
  } else if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : {};
    throw new ApiFailure(
      err.message || `${method} ${path}: HTTP ${res.status}`,
      res.status,
      err.type || "",
    );
  }
  return { status: res.status, json };
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Not a secure context (plain http on another host): the same shape from getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- transcript

function blockText(block) {
  switch (block.type) {
    case "text":
      return block.text;
    case "image":
      return null; // shown as a picture (imagesOf)
    case "document":
      return "[document]";
    case "tool_use":
      return `[tool_use ${block.name}]`;
    case "tool_result":
      return "[tool_result]";
    case "thinking":
    case "redacted_thinking":
      return null;
    default:
      return `[${block.type}]`;
  }
}

function contentText(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map(blockText)
    .filter((t) => t !== null)
    .join("\n");
}

// The pictures of a message's content: base64 image blocks as data: URLs (a url source
// is not fetched by the page either).
function imagesOf(content) {
  if (!Array.isArray(content)) return [];
  return content
    .filter((b) => b.type === "image" && b.source && b.source.type === "base64")
    .map((b) => `data:${b.source.media_type};base64,${b.source.data}`);
}

// `pictures`: data: URLs, or object URLs of files about to be sent.
function addMessage(role, text, pictures = []) {
  const div = document.createElement("div");
  div.className = "message";
  div.dataset.role = role;
  const who = document.createElement("div");
  who.className = "role";
  who.textContent = role;
  div.append(who);
  if (pictures.length > 0) {
    const row = document.createElement("div");
    row.className = "images";
    for (const src of pictures) {
      const img = document.createElement("img");
      img.src = src;
      img.alt = "attached image";
      row.append(img);
    }
    div.append(row);
  }
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  div.append(body);
  el.transcript.append(div);
  el.transcript.scrollTop = el.transcript.scrollHeight;
  return div;
}

function setReplyText(text) {
  state.replyText = text;
  if (state.reply) {
    state.reply.querySelector(".text").textContent = text;
    el.transcript.scrollTop = el.transcript.scrollHeight;
  }
}

function renderTranscript(messages) {
  el.transcript.replaceChildren();
  for (const m of messages || []) addMessage(m.role, contentText(m.content), imagesOf(m.content));
}

// ---- models and sessions

async function loadModels() {
  const wanted = store.get("model") || "";
  try {
    const { json } = await api("GET", "/v1/models?limit=100", undefined, {
      "anthropic-version": "2023-06-01",
    });
    for (const m of (json && json.data) || []) {
      if ([...el.model.options].some((o) => o.value === m.id)) continue;
      const o = document.createElement("option");
      o.value = m.id;
      o.textContent = m.display_name ? `${m.display_name} (${m.id})` : m.id;
      el.model.append(o);
    }
  } catch (e) {
    showStatus(`models: ${e.message}`, "error");
  }
  selectModel(wanted);
}

function selectModel(id) {
  if (id && ![...el.model.options].some((o) => o.value === id)) {
    const o = document.createElement("option");
    o.value = id;
    o.textContent = id;
    el.model.append(o);
  }
  el.model.value = id || "";
}

function sessionTitle(s) {
  const title = s.metadata && typeof s.metadata.title === "string" ? s.metadata.title : "";
  return title || "(untitled)";
}

async function loadSessions() {
  try {
    const { json } = await api("GET", "/gateway/v1/sessions?limit=50");
    el.sessions.replaceChildren();
    for (const s of (json && json.data) || []) {
      const li = document.createElement("li");
      li.dataset.sessionId = s.id;
      if (state.session && state.session.id === s.id) li.setAttribute("aria-current", "true");
      const button = document.createElement("button");
      button.type = "button";
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = sessionTitle(s);
      const meta = document.createElement("span");
      meta.className = "meta";
      const when = s.updated_at ? new Date(s.updated_at).toLocaleString() : "";
      meta.textContent = `${s.model} · ${s.message_count} messages · ${when}`;
      button.append(title, meta);
      button.addEventListener("click", () => {
        if (state.running) {
          showStatus("a reply is still being written; stop it or wait", "error");
          return;
        }
        openSession(s.id).catch((e) => showStatus(e.message, "error"));
      });
      li.append(button);
      el.sessions.append(li);
    }
  } catch (e) {
    showStatus(`sessions: ${e.message}`, "error");
  }
}

function markCurrent() {
  for (const li of el.sessions.children) {
    if (state.session && li.dataset.sessionId === state.session.id) {
      li.setAttribute("aria-current", "true");
    } else {
      li.removeAttribute("aria-current");
    }
  }
}

function showSession(s) {
  state.session = s;
  store.set("session", s.id);
  el.system.value = s.system || "";
  selectModel(s.model);
  renderTranscript(s.messages);
  markCurrent();
}

async function openSession(id) {
  const { json } = await api("GET", `/gateway/v1/sessions/${encodeURIComponent(id)}`);
  showSession(json);
  showStatus(`session ${json.id}: ${usageText(json.usage)}`);
  return json;
}

async function newSession(title) {
  const body = {};
  if (el.model.value) body.model = el.model.value;
  if (el.system.value.trim()) body.system = el.system.value;
  if (title) body.metadata = { title };
  const { json } = await api("POST", "/gateway/v1/sessions", body);
  showSession({ ...json, messages: [] });
  showStatus(`new session ${json.id}`);
  await loadSessions();
  return json;
}

// The system prompt and model fields apply to the open session: a change is sent before
// the next turn. A session's first turn names it.
async function syncSession(text) {
  const s = state.session;
  const patch = {};
  if ((s.system || "") !== el.system.value) patch.system = el.system.value;
  if (el.model.value && el.model.value !== s.model) patch.model = el.model.value;
  if (s.message_count === 0 && !(s.metadata && s.metadata.title)) {
    patch.metadata = { ...(s.metadata || {}), title: text.slice(0, 60) };
  }
  if (Object.keys(patch).length === 0) return;
  const { json } = await api("PATCH", `/gateway/v1/sessions/${encodeURIComponent(s.id)}`, patch);
  state.session = { ...s, ...json, messages: s.messages };
}

// ---- turns

function setRunning(running) {
  state.running = running;
  store.set("running", running ? JSON.stringify(running) : null);
  showButtons();
}

function showButtons() {
  el.send.disabled = Boolean(state.running);
  el.stop.disabled = !state.running;
  // "running" while a reply is being written, "idle" once it ended (committed, stopped or
  // failed) and the transcript shows the history as stored: a hook for browser tests.
  document.body.dataset.turn = state.running ? "running" : "idle";
}

function beginReply(running, pictures = []) {
  addMessage("user", running.content, pictures);
  state.reply = addMessage("assistant", "");
  state.reply.dataset.streaming = "true";
  state.stopReason = null;
  state.usage = {};
  setReplyText(running.prefill || "");
}

// Posts the turn; a network failure is retried with the same Idempotency-Key, so a POST
// that did reach the gateway attaches to its turn instead of starting a second one.
async function postTurn(sessionId, body) {
  const key = uuid();
  const path = `/gateway/v1/sessions/${encodeURIComponent(sessionId)}/messages`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await api("POST", path, body, { "idempotency-key": key });
    } catch (e) {
      if (e instanceof ApiFailure || attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function send() {
  const text = el.message.value.trim();
  if (!text || state.running) return;
  el.send.disabled = true;
  const prefill = el.prefill.value;
  try {
    if (!state.session) await newSession(text.slice(0, 60));
    else await syncSession(text);
    const running = { session_id: state.session.id, content: text, prefill };
    beginReply(running, state.images.map((f) => URL.createObjectURL(f)));
    el.message.value = "";
    showStatus("sending…", "running");
    // With images the turn goes as multipart/form-data: the files' bytes as they are, no
    // base64 made in the page.
    let body = { content: text, background: true };
    if (prefill) body.prefill = prefill;
    const images = state.images;
    if (images.length > 0) {
      const form = new FormData();
      form.append("content", text);
      form.append("background", "true");
      if (prefill) form.append("prefill", prefill);
      for (const file of images) form.append("image", file, file.name || "pasted.png");
      body = form;
    }
    let json;
    try {
      ({ json } = await postTurn(state.session.id, body));
    } catch (e) {
      // Nothing was committed: take the turn back off the page, keep the text to retry.
      state.reply.previousElementSibling.remove();
      state.reply.remove();
      state.reply = null;
      el.message.value = text;
      throw e;
    }
    setImages([]);
    running.turn_id = json.turn_id;
    running.events_url = json.events_url;
    setRunning(running);
    readEvents(running);
  } catch (e) {
    showStatus(e.message, "error");
    el.send.disabled = Boolean(state.running);
  }
}

function parse(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    return {};
  }
}

// Reads a turn's events from the start. EventSource itself reconnects after a dropped
// connection, with Last-Event-ID, and the gateway resumes after that event.
function readEvents(running) {
  closeEvents();
  const es = new EventSource(running.events_url);
  state.events = es;
  showStatus("writing…", "running");

  es.addEventListener("message_start", (e) => {
    const d = parse(e);
    if (d.message && d.message.usage) state.usage = { ...state.usage, ...d.message.usage };
  });
  es.addEventListener("content_block_delta", (e) => {
    const d = parse(e);
    if (d.delta && d.delta.type === "text_delta") setReplyText(state.replyText + d.delta.text);
  });
  es.addEventListener("message_delta", (e) => {
    const d = parse(e);
    if (d.delta && d.delta.stop_reason) state.stopReason = d.delta.stop_reason;
    if (d.usage) state.usage = { ...state.usage, ...d.usage };
    showStatus(`stop_reason: ${state.stopReason} · ${usageText(state.usage)}`, "running");
  });
  es.addEventListener("turn_committed", (e) => {
    const d = parse(e);
    if (typeof d.completion === "string") setReplyText((running.prefill || "") + d.completion);
    finishTurn(`stop_reason: ${state.stopReason} · ${usageText(d.usage || state.usage)}`, "info");
  });
  es.addEventListener("turn_cancelled", () => finishTurn("stopped: nothing was committed", "info"));
  es.addEventListener("error", (e) => {
    if (e.data) {
      // The turn failed: an API.md error body.
      const d = parse(e);
      const message = (d.error && d.error.message) || "the turn failed";
      finishTurn(`error: ${message}`, "error");
      return;
    }
    if (es.readyState === EventSource.CLOSED) {
      // Refused (an expired token, an expired turn): ask the turn itself how it ended.
      closeEvents();
      settleFromTurn(running).catch((err) => showStatus(err.message, "error"));
    } else {
      showStatus("connection lost; resuming…", "running");
    }
  });
}

function closeEvents() {
  if (state.events) state.events.close();
  state.events = null;
}

async function finishTurn(text, kind) {
  closeEvents();
  const running = state.running;
  state.running = null;
  store.set("running", null);
  if (state.reply) delete state.reply.dataset.streaming;
  state.reply = null;
  showStatus(text, kind);
  if (!running) {
    showButtons();
    return;
  }
  try {
    // The history as stored: one turn, prefill and completion as the gateway kept them.
    const { json } = await api(
      "GET",
      `/gateway/v1/sessions/${encodeURIComponent(running.session_id)}`,
    );
    if (state.session && state.session.id === json.id) showSession(json);
  } catch {
    // The transcript on the page stays as it is.
  }
  await loadSessions();
  showButtons();
}

function turnPath(running) {
  return (
    `/gateway/v1/sessions/${encodeURIComponent(running.session_id)}` +
    `/turns/${encodeURIComponent(running.turn_id)}`
  );
}

async function settleFromTurn(running) {
  let turn;
  try {
    ({ json: turn } = await api("GET", turnPath(running)));
  } catch (e) {
    await finishTurn(`lost the reply's events: ${e.message}`, "error");
    return;
  }
  if (turn.status === "queued" || turn.status === "running") {
    showStatus("lost the reply's events; reload to read them again", "error");
    return;
  }
  await finishTurnShape(turn);
}

async function finishTurnShape(turn) {
  if (turn.status === "completed") {
    const m = turn.message || {};
    await finishTurn(`stop_reason: ${m.stop_reason} · ${usageText(m.usage)}`, "info");
  } else if (turn.status === "failed") {
    const message = (turn.error && turn.error.message) || "the turn failed";
    await finishTurn(`error: ${message}`, "error");
  } else {
    await finishTurn("stopped: nothing was committed", "info");
  }
}

async function stop() {
  const running = state.running;
  if (!running) return;
  el.stop.disabled = true;
  try {
    const { json } = await api("POST", `${turnPath(running)}/cancel`);
    // The event stream ends with turn_cancelled (or turn_committed, when the turn had
    // finished first); without one open, the answer says how the turn ended.
    if (!state.events) await finishTurnShape(json);
  } catch (e) {
    showStatus(`stop: ${e.message}`, "error");
    el.stop.disabled = !state.running;
  }
}

// ---- start

async function resume() {
  let running = null;
  try {
    running = JSON.parse(store.get("running") || "null");
  } catch {
    running = null;
  }
  if (running && running.session_id && running.turn_id && running.events_url) {
    let turn = null;
    try {
      ({ json: turn } = await api("GET", turnPath(running)));
    } catch {
      turn = null;
    }
    try {
      await openSession(running.session_id);
    } catch (e) {
      setRunning(null);
      showStatus(e.message, "error");
      return;
    }
    if (turn && (turn.status === "queued" || turn.status === "running")) {
      // The reply is still being written: read it again from its first event.
      setRunning(running);
      beginReply(running);
      readEvents(running);
      return;
    }
    setRunning(running);
    if (turn) await finishTurnShape(turn);
    else await finishTurn("the reply's turn is gone", "info");
    return;
  }
  const last = store.get("session");
  if (last) {
    try {
      await openSession(last);
    } catch {
      store.set("session", null);
      showStatus("");
    }
  }
}

// ---- attachments

function setImages(files) {
  state.images = files;
  el.attachments.replaceChildren(
    ...files.map((file, i) => {
      const li = document.createElement("li");
      li.dataset.testid = "attachment";
      li.textContent = `${file.name || "pasted image"} (${Math.ceil(file.size / 1024)} KB) `;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.title = "Remove";
      remove.addEventListener("click", () => setImages(state.images.filter((_, k) => k !== i)));
      li.append(remove);
      return li;
    }),
  );
}

function attach(files) {
  const images = [...files].filter((f) => kImageTypes.includes(f.type));
  if (images.length < files.length) {
    showStatus("only PNG, JPEG, GIF and WebP images can be attached", "error");
  }
  if (images.length > 0) setImages([...state.images, ...images]);
}

async function start() {
  el.apiKey.value = store.get("api_key") || "";
  el.apiKey.addEventListener("change", async () => {
    store.set("api_key", el.apiKey.value.trim() || null);
    el.model.replaceChildren(el.model.options[0]);
    await loadModels();
    await loadSessions();
  });
  el.model.addEventListener("change", () => store.set("model", el.model.value || null));
  el.newSession.addEventListener("click", () => {
    if (state.running) {
      showStatus("a reply is still being written; stop it or wait", "error");
      return;
    }
    newSession().catch((e) => showStatus(e.message, "error"));
  });
  el.composer.addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  el.message.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  el.stop.addEventListener("click", stop);
  el.attach.addEventListener("change", () => {
    attach(el.attach.files);
    el.attach.value = "";
  });
  el.message.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData ? e.clipboardData.files : [])];
    if (files.length === 0) return;
    e.preventDefault();
    attach(files);
  });
  showButtons();
  await loadModels();
  await loadSessions();
  await resume();
}

start();
