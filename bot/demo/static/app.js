// ipbot demo: the page's script. Plain JavaScript, no build step, no dependencies.
// It long-polls /api/state and acts through /api/act as the chosen person's Telegram client.
"use strict";

const $ = (id) => document.getElementById(id);
const AVATAR = { commissioner: "av-commissioner", envoy: "av-envoy", supervisor: "av-supervisor",
                 contact: "av-contact", guest: "av-guest" };
const WEEKDAY_ZH = "一二三四五六日";
const WEEKDAY_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTH_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const ui = {
  texts: {},
  lang: "zh",
  persona: localStorage.getItem("ipbot-demo-persona") || "",
  token: "",
  state: null,
  seen: {},          // persona -> bot messages already seen (unread badges)
  answersSeen: {},   // persona -> callback answers already shown
  noticeSeen: -1,
  drafts: {},        // persona -> text typed but not sent
  keyboardHidden: false,
  poll: null,        // AbortController of the running long poll
  stickToBottom: true,
};

// ------------------------------------------------------------------ texts

function t(key, values) {
  const entry = ui.texts[key];
  let text = entry ? (entry[ui.lang] || entry.zh) : key;
  for (const [k, v] of Object.entries(values || {})) text = text.split(`{${k}}`).join(String(v));
  return text;
}

function applyTexts() {
  document.documentElement.lang = ui.lang === "en" ? "en" : "zh-CN";
  document.title = t("demo.page.title");
  for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  $("composer-input").placeholder = t("demo.page.placeholder");
  $("send").title = t("demo.page.send");
  $("attach").title = t("demo.page.attach");
  $("menu").title = t("demo.page.menu");
  $("keyboard-toggle").title = t("demo.page.keyboard");
  $("lang-toggle").textContent = t("demo.page.other_language");
}

function dayLabel(iso, weekday) {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = weekday || ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
  return ui.lang === "en" ? `${WEEKDAY_EN[wd - 1]} ${d} ${MONTH_EN[m - 1]} ${y}`
                          : `${y}年${m}月${d}日 周${WEEKDAY_ZH[wd - 1]}`;
}

function sizeLabel(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
                              : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ notices

let toastTimer = null;
function toast(text, long) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, long ? 6000 : 3500);
}

// ------------------------------------------------------------------ talking to the demo

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) toast(t(data.error || "demo.error.unknown_action"));
  return data;
}

function act(action, extra) {
  return post("/api/act", Object.assign({ persona: ui.persona, action }, extra || {}));
}

async function pollLoop() {
  for (;;) {
    const controller = new AbortController();
    ui.poll = controller;
    const url = `/api/state?persona=${encodeURIComponent(ui.persona)}&since=${ui.token}`;
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      $("offline").hidden = true;
      render(state);
    } catch (err) {
      if (controller.signal.aborted) continue;  // switched person: ask again at once
      $("offline").textContent = t("demo.page.offline");
      $("offline").hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function restartPoll() {
  ui.token = "";
  if (ui.poll) ui.poll.abort();
}

// ------------------------------------------------------------------ rendering

function render(state) {
  const switched = !ui.state || !state.chat || (ui.state.chat || {}).persona !== state.chat.persona;
  const first = !ui.state;
  ui.state = state;
  ui.token = state.token;
  if (state.lang !== ui.lang) { ui.lang = state.lang; applyTexts(); }
  $("clock").textContent = `${dayLabel(state.clock.day, state.clock.weekday)} ${state.clock.time}`;
  renderBusy(state.busy);
  if (first) {
    ui.noticeSeen = state.notice.seq;
    for (const p of state.personas) ui.seen[p.key] = p.count;
  } else if (state.notice.seq > ui.noticeSeen) {
    ui.noticeSeen = state.notice.seq;
    if (state.notice.key) toast(t(state.notice.key, state.notice.values), true);
  }
  if (!state.chat) ui.persona = "";
  renderPeople(state.personas);
  renderPicker(state.personas);
  if (!state.chat) return;
  renderMessages(state.chat.messages, switched);
  renderKeyboard(state.chat.keyboard);
  $("menu").hidden = state.chat.commands.length === 0;
  const answers = state.chat.answers;
  const persona = state.chat.persona;
  if (switched || !(persona in ui.answersSeen)) {
    ui.answersSeen[persona] = state.chat.answers_total;
  } else {
    for (const a of answers) {
      if (a.n >= ui.answersSeen[persona] && a.text) toast(a.text, a.alert);
    }
    ui.answersSeen[persona] = state.chat.answers_total;
  }
}

function renderBusy(busy) {
  for (const [id, name] of [["next-reminder", "advance"], ["digest-now", "digest"]]) {
    const button = $(id);
    button.disabled = Boolean(busy);
    button.textContent = busy === name ? t("demo.page.working")
                                       : t(id === "next-reminder" ? "demo.page.next_reminder"
                                                                  : "demo.page.digest_now");
  }
  $("lang-toggle").disabled = Boolean(busy);
}

function renderPeople(personas) {
  const nav = $("people");
  nav.textContent = "";
  for (const p of personas) {
    if (p.key === ui.persona) ui.seen[p.key] = p.count;
    const button = el("button", "person" + (p.key === ui.persona ? " current" : ""));
    button.type = "button";
    button.dataset.persona = p.key;
    button.title = `${p.name} · ${p.role} · ${p.detail}`;
    button.append(el("div", `avatar ${AVATAR[p.key] || ""}`, p.name.slice(0, 1)),
                  el("div", "name", p.name), el("div", "role", p.short));
    const unread = p.count - (ui.seen[p.key] || 0);
    if (unread > 0) button.append(el("span", "badge", String(unread)));
    button.addEventListener("click", () => choose(p.key));
    nav.append(button);
  }
}

function renderPicker(personas) {
  const list = $("picker-list");
  list.textContent = "";
  for (const p of personas) {
    const card = el("button", "card");
    card.type = "button";
    card.dataset.persona = p.key;
    const who = el("div", "who", p.name);
    who.append(el("small", "", p.role));
    const text = el("div");
    text.append(who, el("div", "detail", p.detail));
    card.append(el("div", `avatar ${AVATAR[p.key] || ""}`, p.name.slice(0, 1)), text);
    card.addEventListener("click", () => choose(p.key));
    list.append(card);
  }
  $("picker").hidden = Boolean(ui.persona) && !ui.picking;
}

function messageNode(m) {
  const box = el("div", `msg ${m.from}`);
  box.dataset.from = m.from;
  box.dataset.mid = String(m.id);
  box.dataset.kind = m.kind;
  const bubble = el("div", "bubble");
  if (m.file && m.kind === "photo") {
    const link = el("a", "photo-link");
    link.href = m.file.url;
    link.target = "_blank";
    const img = el("img", "photo");
    img.src = m.file.url;
    img.alt = m.file.name;
    img.addEventListener("load", () => { if (ui.stickToBottom) scrollToBottom(); });
    link.append(img);
    bubble.append(link);
  } else if (m.file) {
    const row = el("div", "file");
    const info = el("div");
    const size = el("div", "filesize", sizeLabel(m.file.size));
    const download = el("a", "", t("demo.page.download"));
    download.href = m.file.url;
    download.setAttribute("download", m.file.name);
    size.append(download);
    info.append(el("div", "filename", m.file.name), size);
    row.append(el("div", "fileicon", "📄"), info);
    bubble.append(row);
  }
  if (m.location) {
    const row = el("div", "location");
    const info = el("div");
    info.append(el("div", "", t(m.location.live ? "demo.page.live_location" : "demo.page.location")),
                el("div", "coords", `${m.location.lat.toFixed(5)}, ${m.location.lon.toFixed(5)}`));
    row.append(el("div", "pin", "📍"), info);
    bubble.append(row);
  }
  if (m.html) {
    const text = el("div", "text");
    text.innerHTML = m.html;  // built by the server from entities; every text is escaped
    bubble.append(text);
  }
  const meta = el("span", "meta", (m.edited ? t("demo.page.edited") + " " : "") + m.time);
  (bubble.lastChild && bubble.lastChild.className === "text" ? bubble.lastChild : bubble).append(meta);
  box.append(bubble);
  if (m.buttons.length) {
    bubble.classList.add("withkb");
    const kb = el("div", "ikb");
    for (const row of m.buttons) {
      const line = el("div", "ikbrow");
      for (const b of row) {
        const button = el("button", "ibtn" + (b.kind === "url" ? " url" : ""), b.text);
        button.type = "button";
        button.addEventListener("click", () => {
          if (b.kind === "url") window.open(b.url, "_blank", "noopener");
          else if (b.kind === "callback") act("press", { message_id: m.id, text: b.text });
        });
        line.append(button);
      }
      kb.append(line);
    }
    box.append(kb);
  }
  return box;
}

function scrollToBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

function renderMessages(messages, switched) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const previous = new Map([...box.children].map((n) => [n.dataset.key, n]));
  const wanted = [];
  let day = null;
  for (const m of messages) {
    if (m.day !== day) {
      day = m.day;
      const label = dayLabel(day);
      wanted.push({ key: `day-${day}`, sig: label, build: () => el("div", "daychip", label) });
    }
    const sig = JSON.stringify(m) + ui.lang;
    wanted.push({ key: `${m.from}-${m.id}`, sig, build: () => messageNode(m) });
  }
  if (!messages.length) {
    wanted.push({ key: "empty", sig: ui.lang, build: () => el("div", "empty", t("demo.page.empty")) });
  }
  const nodes = wanted.map((w) => {
    const old = previous.get(w.key);
    if (old && old.dataset.sig === w.sig) return old;
    const node = w.build();
    node.dataset.key = w.key;
    node.dataset.sig = w.sig;
    return node;
  });
  nodes.forEach((node, i) => {
    if (box.children[i] !== node) box.insertBefore(node, box.children[i] || null);
  });
  while (box.children.length > nodes.length) box.lastChild.remove();
  const last = messages[messages.length - 1];
  ui.stickToBottom = switched || nearBottom || (last && last.from === "user");
  if (ui.stickToBottom) scrollToBottom();
}

function renderKeyboard(rows) {
  const box = $("keyboard");
  box.textContent = "";
  $("keyboard-toggle").hidden = !rows;
  box.hidden = !rows || ui.keyboardHidden;
  for (const row of rows || []) {
    const line = el("div", "kbrow");
    for (const b of row) {
      const button = el("button", "kbtn", b.text);
      button.type = "button";
      button.dataset.kind = b.kind;
      button.addEventListener("click", () => act("tap", { text: b.text }));
      line.append(button);
    }
    box.append(line);
  }
}

// ------------------------------------------------------------------ acting

function choose(persona) {
  if (ui.persona) ui.drafts[ui.persona] = $("composer-input").value;
  ui.persona = persona;
  ui.picking = false;
  localStorage.setItem("ipbot-demo-persona", persona);
  $("composer-input").value = ui.drafts[persona] || "";
  $("sheet").hidden = true;
  $("picker").hidden = true;
  restartPoll();
}

async function sendText(text) {
  const clean = text.trim();
  if (!clean) return;
  const data = await act("send", { text: clean });
  if (data.ok && text === $("composer-input").value) $("composer-input").value = "";
}

function showSheet(items) {
  const sheet = $("sheet");
  if (!sheet.hidden) { sheet.hidden = true; return; }
  sheet.textContent = "";
  for (const item of items) {
    const button = el("button");
    button.type = "button";
    button.id = item.id || "";
    if (item.command) {
      button.append(el("span", "cmdname", item.command), el("span", "cmddesc", item.description));
    } else {
      button.textContent = item.label;
    }
    button.addEventListener("click", () => { sheet.hidden = true; item.run(); });
    sheet.append(button);
  }
  sheet.hidden = false;
}

function wire() {
  $("send").addEventListener("click", () => sendText($("composer-input").value));
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText($("composer-input").value);
    }
  });
  $("attach").addEventListener("click", () => showSheet([
    { id: "attach-location", label: t("demo.page.attach_location"), run: () => act("location") },
    { id: "attach-photo", label: t("demo.page.attach_photo"), run: () => act("photo") },
  ]));
  $("menu").addEventListener("click", () => showSheet(
    ((ui.state && ui.state.chat && ui.state.chat.commands) || []).map((c) => ({
      command: `/${c.command}`, description: c.description,
      run: () => act("send", { text: `/${c.command}` }),
    }))));
  $("keyboard-toggle").addEventListener("click", () => {
    ui.keyboardHidden = !ui.keyboardHidden;
    $("keyboard").hidden = ui.keyboardHidden;
  });
  $("messages").addEventListener("click", (event) => {
    const link = event.target.closest("a.cmd");
    if (link) { event.preventDefault(); act("send", { text: link.dataset.cmd }); }
  });
  $("next-reminder").addEventListener("click", () => post("/api/clock/next"));
  $("digest-now").addEventListener("click", () => post("/api/digest"));
  $("lang-toggle").addEventListener("click", () => {
    const lang = ui.lang === "en" ? "zh" : "en";
    post("/api/lang", { lang });
  });
  $("switch").addEventListener("click", () => { ui.picking = true; $("picker").hidden = false; });
  $("picker").addEventListener("click", (event) => {
    if (event.target === $("picker") && ui.persona) { ui.picking = false; $("picker").hidden = true; }
  });
}

async function main() {
  ui.texts = await (await fetch("/api/texts")).json();
  applyTexts();
  wire();
  pollLoop();
}

main();
