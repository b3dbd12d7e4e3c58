/* The moderation console (/moderate): sign-in with a moderator token, the
 * pages, the shortcuts, and a poll of the stats (ETag, 304 while nothing
 * changed) that keeps the badge current and announces new comments.
 * The token lives in sessionStorage, or localStorage when kept, and is sent
 * in the Authorization header of API calls only (api.js). */
"use strict";

import { call, forgetToken, keepToken, restoreToken, whenSignedOut } from "./api.js";
import { clear, h, isTyping } from "./dom.js";
import { LANGUAGES, pickLanguage, translator } from "./i18n.js";
import { queueView, STATUSES } from "./queue.js";
import { dataView, logView, rulesView } from "./views.js";

const LANG_KEY = "mc-console:lang";
const POLL_MS = 20_000;
const root = document.getElementById("console");
const PAGES = { log: logView, rules: rulesView, data: dataView };

const app = { me: null, view: null, stats: null, etag: null, timer: null };

function readLang() {
  try { return localStorage.getItem(LANG_KEY); } catch { return null; }
}

function setLanguage(lang) {
  app.lang = lang;
  app.t = translator(lang);
  document.documentElement.lang = lang;
}

/** #/queue/spam?article=x, #/comment/12, #/log, #/rules, #/data; anything else is the pending queue. */
function parseRoute() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [page, value] = path.split("/");
  const article = new URLSearchParams(search).get("article");
  if (page === "comment" && /^\d+$/.test(value || "")) return { page: "queue", id: Number(value) };
  if (page in PAGES) return { page };
  return { page: "queue", status: STATUSES.includes(value) ? value : "pending", article: article || null };
}

app.navigate = (hash) => {
  if (location.hash === hash) showPage();
  else location.hash = hash;
};

app.announce = (message) => {
  const live = document.getElementById("mc-live");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => { live.textContent = message; }, 50); // a change screen readers notice
};

app.fail = (error) => {
  const alert = document.getElementById("mc-alert");
  if (!alert || error.status === 401) return;
  alert.textContent = error.status === 403 ? app.t("forbidden") : app.t("failed", { message: error.message });
  alert.hidden = false;
};

/** A modal question; resolves true when the moderator confirms. */
app.confirm = (text, confirmLabel) => new Promise((resolve) => {
  const yes = h("button", { type: "button", class: "mc-button mc-danger", text: confirmLabel });
  const no = h("button", { type: "button", class: "mc-button", text: app.t("cancel") });
  const dialog = h("dialog", { class: "mc-dialog", "aria-labelledby": "mc-confirm-text" },
    h("p", { id: "mc-confirm-text", text }), h("p", { class: "mc-buttons" }, yes, no));
  const opener = document.activeElement;
  yes.addEventListener("click", () => dialog.close("yes"));
  no.addEventListener("click", () => dialog.close("no"));
  dialog.addEventListener("close", () => {
    dialog.remove();
    opener?.focus?.();
    resolve(dialog.returnValue === "yes");
  });
  document.body.append(dialog);
  dialog.showModal();
  no.focus(); // the safe answer first
});

function showHelp() {
  const close = h("button", { type: "button", class: "mc-button", text: app.t("done") });
  const dialog = h("dialog", { class: "mc-dialog", "aria-labelledby": "mc-help-title" },
    h("h2", { id: "mc-help-title", text: app.t("help") }),
    h("dl", { class: "mc-keys" }, app.t("keys").split(";").map((line) => line.split("|"))
      .flatMap(([keys, meaning]) => [h("dt", null, h("kbd", { text: keys })), h("dd", { text: meaning })])),
    h("p", { class: "mc-buttons" }, close));
  const opener = document.activeElement;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { dialog.remove(); opener?.focus?.(); });
  document.body.append(dialog);
  dialog.showModal();
}

app.refreshStats = async () => {
  if (!app.me) return;
  try {
    const { data, etag, isFresh } = await call("GET", "/stats", { etag: app.etag || "" });
    if (!isFresh) return;
    const before = app.stats;
    app.stats = data;
    app.etag = etag;
    showCounts();
    if (before && data.pending > before.pending) {
      app.announce(app.t("fresh", { n: data.pending - before.pending }));
      app.view?.noticeFresh?.(data.pending - before.pending);
    }
  } catch (error) {
    app.fail(error);
  }
};

function showCounts() {
  const { pending } = app.stats;
  const badge = document.getElementById("mc-waiting");
  badge.textContent = pending.toLocaleString(app.lang);
  badge.setAttribute("aria-label", app.t("waiting", { n: pending }));
  badge.title = badge.getAttribute("aria-label");
  document.title = `${pending ? `(${pending}) ` : ""}${app.t("title")}`;
  app.view?.showCounts?.(app.stats);
}

function signInForm(message) {
  const t = app.t;
  const token = h("input", { id: "mc-token", type: "password", autocomplete: "off", spellcheck: "false", required: true,
    "aria-describedby": "mc-token-help" });
  const keep = h("input", { id: "mc-keep", type: "checkbox", "aria-describedby": "mc-keep-help" });
  const status = h("p", { class: "mc-error", role: "alert", text: message || "" });
  const submit = async (event) => {
    event.preventDefault(); // never a form submission: the token must not reach a URL
    const value = token.value.trim();
    if (!value) return token.focus();
    status.textContent = t("checking");
    keepToken(value, keep.checked);
    token.value = "";
    await signIn(() => { status.textContent = t("badToken"); token.focus(); });
  };
  return h("main", { class: "mc-signin", id: "mc-main" },
    h("form", { class: "mc-card", onsubmit: submit, "aria-labelledby": "mc-signin-title" },
      h("h1", { id: "mc-signin-title", text: t("signInTitle") }),
      h("p", { class: "mc-field" }, h("label", { for: token.id, text: t("token") }), token,
        h("small", { id: "mc-token-help", class: "mc-muted", text: t("signInHelp") })),
      h("p", { class: "mc-check" }, keep, h("label", { for: keep.id, text: t("keep") })),
      h("small", { id: "mc-keep-help", class: "mc-muted", text: t("keepHelp") }),
      h("p", null, h("button", { type: "submit", class: "mc-button mc-primary", text: t("signIn") })), status),
    languagePicker());
}

function languagePicker() {
  const select = h("select", { id: "mc-lang", "aria-label": app.t("language") },
    Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === app.lang, text: name })));
  select.addEventListener("change", () => {
    try { localStorage.setItem(LANG_KEY, select.value); } catch { /* this tab only */ }
    setLanguage(select.value);
    app.me ? showShell() : clear(root).append(signInForm());
  });
  return select;
}

async function signIn(onRefused) {
  try {
    app.me = await call("GET", "/me");
  } catch (error) {
    if (error.status !== 401) app.fail(error);
    return onRefused?.();
  }
  showShell();
  app.timer = setInterval(app.refreshStats, POLL_MS);
}

function signOut(reason) {
  forgetToken();
  clearInterval(app.timer);
  Object.assign(app, { me: null, view: null, stats: null, etag: null });
  document.title = app.t("title");
  clear(root).append(signInForm(reason === "expired" ? app.t("expired") : ""));
  document.getElementById("mc-token").focus();
}

function showShell() {
  const t = app.t;
  const nav = h("nav", { class: "mc-nav", "aria-label": t("sections") },
    [["queue", "#/queue/pending"], ["log", "#/log"], ["rules", "#/rules"], ["data", "#/data"]]
      .map(([page, href]) => h("a", { href, "data-page": page, text: t(page) })));
  const header = h("header", { class: "mc-header" },
    h("button", { type: "button", class: "mc-skip", text: t("skip"), onclick: () => document.getElementById("mc-main").focus() }),
    h("h1", null, h("a", { href: "#/queue/pending", text: t("title") }), " ",
      h("a", { href: "#/queue/pending", id: "mc-waiting", class: "mc-waiting", text: "…" })),
    nav,
    h("div", { class: "mc-user" }, h("span", { text: t("signedInAs", { name: app.me.name, role: t(app.me.role) }) }),
      languagePicker(),
      h("button", { type: "button", class: "mc-link", text: t("helpOpen"), onclick: showHelp }),
      h("button", { type: "button", class: "mc-button", text: t("signOut"), onclick: () => signOut() })));
  clear(root).append(header, h("main", { id: "mc-main", tabindex: "-1" }),
    h("p", { id: "mc-alert", class: "mc-error", role: "alert", hidden: true }),
    h("p", { id: "mc-live", class: "mc-visually-hidden", "aria-live": "polite" }));
  app.etag = null;
  showPage();
  app.refreshStats();
}

async function showPage() {
  const route = parseRoute();
  const main = document.getElementById("mc-main");
  if (!main || !app.me) return;
  document.getElementById("mc-alert").hidden = true;
  for (const link of document.querySelectorAll(".mc-nav a")) {
    link.toggleAttribute("aria-current", link.dataset.page === route.page);
  }
  app.view = route.page === "queue" ? queueView(app, route) : PAGES[route.page](app);
  clear(main).append(app.view.el);
  if (app.stats) app.view.showCounts?.(app.stats);
  await app.view.start();
  // Ready for the keys: on the first comment, else on the page itself.
  const first = main.querySelector(".mc-card");
  if (!main.contains(document.activeElement) || document.activeElement === main) (first || main).focus();
}

document.addEventListener("keydown", (event) => {
  if (!app.me || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
  if (document.querySelector("dialog[open]")) return;
  if (event.key === "?") showHelp();
  else if (!app.view?.handleKey?.(event)) return;
  event.preventDefault();
});
window.addEventListener("hashchange", showPage);
window.addEventListener("focus", () => app.refreshStats());
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && app.refreshStats());
whenSignedOut((reason) => app.me && signOut(reason));

setLanguage(pickLanguage(readLang()));
if (restoreToken()) signIn(() => signOut());
else signOut();
