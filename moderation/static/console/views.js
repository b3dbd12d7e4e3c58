/* The console's other pages: the audit log, the blocklists with their own
 * audit entries, and data requests (export; erasure for admins, after a
 * confirmation). An address typed here travels in request bodies only. */
"use strict";

import { call } from "./api.js";
import { add, ago, clear, h } from "./dom.js";

const LISTS = ["words", "emails", "domains", "networks"];
// The article actions in words; the others show as the API names them (its title always does).
const ACTION_WORDS = { close: "actClose", reopen: "actReopen", reset_closed: "actResetClosed",
  set_published_at: "actSetPublishedAt" };

/** A table of audit entries, newest first, about "", "comments", "articles" or "rules". */
function logTable(app, about) {
  const { t } = app;
  const rows = h("tbody");
  const more = h("button", { type: "button", class: "mc-button mc-more", hidden: true, text: t("loadMore") });
  let cursor = null;
  const load = async () => {
    more.hidden = true;
    const query = { limit: 50, ...(about ? { about } : {}), ...(cursor ? { cursor } : {}) };
    try {
      const page = await call("GET", "/log", { query });
      rows.append(...page.entries.map((entry) => h("tr", null,
        h("td", null, ago(entry.at, app.lang)), h("td", { text: entry.moderator }),
        h("td", { title: entry.action, text: Object.hasOwn(ACTION_WORDS, entry.action) ? t(ACTION_WORDS[entry.action]) : entry.action }),
        h("td", null, entry.comment_id != null && h("a", { href: `#/comment/${entry.comment_id}`, text: `#${entry.comment_id}` })),
        h("td", { text: entry.from_status || entry.to_status ? `${entry.from_status ?? "–"} → ${entry.to_status ?? "–"}` : "" }))));
      if (!rows.children.length) rows.append(h("tr", null, h("td", { colspan: "5", class: "mc-muted", text: t("empty") })));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      app.fail(error);
    }
  };
  more.addEventListener("click", load);
  const table = h("div", { class: "mc-table" }, h("table", null,
    h("thead", null, h("tr", null, ["when", "who", "action", "comment", "change"].map((key) => h("th", { scope: "col", text: t(key) })))),
    rows));
  return { el: h("div", null, table, more), load };
}

export function logView(app) {
  const { t } = app;
  const holder = h("div");
  const about = h("select", { id: "mc-about" }, [["", "everything"], ["comments", "aboutComments"],
    ["articles", "aboutArticles"], ["rules", "aboutRules"]].map(([value, key]) => h("option", { value, text: t(key) })));
  const show = () => {
    const table = logTable(app, about.value);
    clear(holder).append(table.el);
    return table.load();
  };
  about.addEventListener("change", show);
  const el = h("section", { class: "mc-page" }, h("h2", { text: t("log") }),
    h("p", { class: "mc-filter" }, h("label", { for: "mc-about", text: t("about") }), about), holder);
  return { el, start: show };
}

/** The blocklists as four fields, saved as a PATCH of what changed (a colleague's edits stay). */
export function rulesView(app) {
  const { t } = app;
  const fields = Object.fromEntries(LISTS.map((name) => [name, h("textarea", {
    id: `mc-rules-${name}`, name, rows: 5, spellcheck: "false", autocomplete: "off" })]));
  const status = h("p", { class: "mc-status", role: "status" });
  const history = logTable(app, "rules");
  let loaded = {};
  const fill = (rules) => {
    loaded = rules;
    for (const name of LISTS) fields[name].value = rules[name].join("\n");
  };
  const save = async (event) => {
    event.preventDefault();
    const add = {}, remove = {};
    for (const name of LISTS) {
      const now = new Set(fields[name].value.split("\n").map((line) => line.trim()).filter(Boolean));
      add[name] = [...now].filter((value) => !loaded[name].includes(value));
      remove[name] = loaded[name].filter((value) => !now.has(value));
    }
    try {
      fill(await call("PATCH", "/rules", { body: { add, remove } }));
      status.textContent = t("saved");
      clear(history.el.querySelector("tbody"));
      await history.load();
    } catch (error) {
      status.textContent = "";
      app.fail(error);
    }
  };
  const form = h("form", { class: "mc-rules", onsubmit: save },
    h("p", { text: t("rulesIntro") }),
    h("div", { class: "mc-grid" }, LISTS.map((name) => h("p", { class: "mc-field" },
      h("label", { for: fields[name].id, text: t(name) }), fields[name]))),
    h("p", null, h("button", { type: "submit", class: "mc-button mc-primary", text: t("save") }), status));
  const el = h("section", { class: "mc-page" }, h("h2", { text: t("rules") }), form,
    h("h3", { text: t("rulesLog") }), history.el);
  return { el, start: async () => { fill(await call("GET", "/rules")); await history.load(); } };
}

/** Data requests: what is stored under an address, and (admins) its erasure after a confirmation. */
export function dataView(app) {
  const { t } = app;
  const email = h("input", { id: "mc-data-email", type: "email", autocomplete: "off", required: true, spellcheck: "false" });
  const result = h("div", { class: "mc-export", "aria-live": "polite" });
  const erase = h("button", { type: "button", class: "mc-button mc-danger", hidden: true, text: t("erase") });
  let exported = null, download = null;

  const show = async (event) => {
    event.preventDefault();
    if (download) URL.revokeObjectURL(download);
    clear(result);
    erase.hidden = true;
    try {
      exported = await call("POST", "/authors/export", { body: { email: email.value.trim() } });
    } catch (error) {
      return app.fail(error);
    }
    download = URL.createObjectURL(new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" }));
    add(result,
      h("p", { text: t("stored", { n: exported.comments.length }) }),
      exported.blocked && h("p", { text: t("isBlocked") }),
      h("ul", { class: "mc-minis" }, exported.comments.map((comment) => h("li", { class: "mc-mini" },
        h("p", { class: "mc-mini-head" }, h("a", { href: `#/comment/${comment.id}`, text: `#${comment.id}` }),
          h("span", { class: `mc-badge mc-${comment.status}`, text: t(comment.status) }), ago(comment.created_at, app.lang),
          h("span", { class: "mc-muted", text: comment.article_id })),
        h("p", { class: "mc-excerpt", text: comment.body_text })))),
      h("p", null, h("a", { href: download, download: "data-request.json", class: "mc-link", text: t("download") })),
      app.me.role !== "admin" && h("p", { class: "mc-muted", text: t("adminOnly") }));
    erase.hidden = app.me.role !== "admin";
  };

  erase.addEventListener("click", async () => {
    const address = exported.email;
    if (!(await app.confirm(t("confirmErase", { n: exported.comments.length, email: address }), t("erase")))) return;
    try {
      const { deleted } = await call("POST", "/authors/erase", { body: { email: address } });
      clear(result).append(h("p", { text: t("erased", { n: deleted }) }));
      app.announce(t("erased", { n: deleted }));
      erase.hidden = true;
      app.refreshStats();
    } catch (error) {
      app.fail(error);
    }
  });

  const form = h("form", { class: "mc-filter", onsubmit: show },
    h("label", { for: email.id, text: t("email") }), email,
    h("button", { type: "submit", class: "mc-button", text: t("show") }));
  const el = h("section", { class: "mc-page" }, h("h2", { text: t("data") }), h("p", { text: t("dataIntro") }),
    form, result, erase);
  return { el, start: async () => email.focus() };
}
