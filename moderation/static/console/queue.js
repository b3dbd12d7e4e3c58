/* The queue: one status at a time (pending first), oldest first, page by
 * page, optionally one article's; actions on one comment or a selection
 * (one bulk request), undo of the last one, and the keys that drive it. */
"use strict";

import { ACTION_OF, STATUS_OF, articlePath, articleState, call } from "./api.js";
import { commentCard, togglePanel } from "./card.js";
import { add, clear, h } from "./dom.js";

export const STATUSES = ["pending", "approved", "rejected", "spam"];
const PAGE = 30;
const KEY_ACTIONS = { a: "approve", r: "reject", s: "spam", p: "requeue", d: "delete" };
const KEY_PANELS = { v: "source", c: "context", m: "author" };

/** The queue view for a route {status, article} or {id} (one comment); app gives t, lang, announce, fail, confirm. */
export function queueView(app, route) {
  const { t } = app;
  const single = route.id != null;
  const state = { status: route.status || "pending", article: route.article || null, cursor: null, undo: null };

  const tabs = h("nav", { class: "mc-tabs", "aria-label": t("queues") }, STATUSES.map((status) => h("a", {
    href: queueHash(status, state.article), "data-status": status, "aria-current": !single && status === state.status && "page",
  }, t(status), " ", h("span", { class: "mc-count", "data-count": status }))));
  const articleInput = h("input", { id: "mc-article", name: "article", value: state.article || "", autocomplete: "off" });
  const filter = h("form", { class: "mc-filter", role: "search", onsubmit: (event) => {
    event.preventDefault(); // never a form submission: the article goes into the hash only
    app.navigate(queueHash(state.status, articleInput.value.trim() || null));
  } }, h("label", { for: "mc-article", text: t("article") }), articleInput,
  h("button", { type: "submit", class: "mc-button", text: t("filter") }),
  state.article && h("a", { href: queueHash(state.status, null), class: "mc-link", text: t("allArticles") }));
  // The article's state, redrawn after each change, and its publication date (CLOSE_AFTER_DAYS
  // counts from it): a day, sent as midnight UTC; the form stays, so the focus does too.
  const articleHead = h("div", { class: "mc-article-head" });
  const published = h("input", { type: "date", id: "mc-published", min: "1970-01-01", max: "9999-12-31", required: true });
  const dateNote = h("span", { class: "mc-muted", role: "status" });
  const dateForm = h("form", { class: "mc-published", onsubmit: (event) => {
    event.preventDefault();
    setPublished(`${published.value}T00:00:00Z`);
  } }, h("label", { for: published.id, text: t("published") }), published,
  h("button", { type: "submit", class: "mc-button", text: t("setDate") }),
  h("button", { type: "button", class: "mc-button", text: t("clearDate"), onclick: () => setPublished(null) }), dateNote);
  const articleBar = h("div", { class: "mc-article-bar", hidden: !state.article }, articleHead, dateForm);
  const blockEmail = h("input", { type: "checkbox", id: "mc-block-email" });
  const blockNetwork = h("input", { type: "checkbox", id: "mc-block-network" });
  const selectAll = h("input", { type: "checkbox", id: "mc-select-all" });
  const selectedCount = h("span", { class: "mc-muted", "aria-live": "polite" });
  const bulkButtons = ["approve", "reject", "spam", "requeue", "delete"].map((action) => h("button", {
    type: "button", class: `mc-button mc-act-${action}`, "data-bulk": action, disabled: true,
    text: t(action === "spam" ? "markSpam" : action),
  }));
  const toolbar = h("div", { class: "mc-toolbar", role: "group", "aria-label": t("withSelected") },
    h("label", { class: "mc-check" }, selectAll, t("selectAll")), selectedCount,
    h("div", { class: "mc-bulk" }, bulkButtons),
    h("p", { class: "mc-check mc-blocks" }, t("whenSpam"),
      h("label", null, blockEmail, t("blockEmail")), h("label", null, blockNetwork, t("blockNetwork"))));
  const outcome = h("div", { class: "mc-outcome", hidden: true });
  const notice = h("div", { class: "mc-notice", hidden: true });
  const list = h("ol", { class: "mc-list", id: "mc-list", tabindex: "-1", "aria-label": t(single ? "comment" : state.status) });
  const more = h("button", { type: "button", class: "mc-button mc-more", hidden: true, text: t("loadMore") });
  const el = h("section", { class: "mc-queue" }, tabs, !single && filter, articleBar, !single && toolbar,
    outcome, notice, list, more);

  function queueHash(status, article) {
    return `#/queue/${status}${article ? `?article=${encodeURIComponent(article)}` : ""}`;
  }

  function cards() {
    return [...list.querySelectorAll(":scope > .mc-item > .mc-card")];
  }

  function currentCard() {
    return document.activeElement?.closest?.(".mc-list > .mc-item > .mc-card") || null;
  }

  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  function selectedCards() {
    return cards().filter((card) => card.querySelector(".mc-select")?.checked);
  }

  function updateSelection() {
    const count = selectedCards().length, total = cards().length;
    selectedCount.textContent = t("selected", { n: count });
    selectAll.checked = count > 0 && count === total;
    selectAll.indeterminate = count > 0 && count < total;
    for (const button of bulkButtons) button.disabled = count === 0 || button.dataset.bulk === ACTION_OF[state.status];
  }

  function actionsFor(status) {
    return [...["approve", "reject", "spam", "requeue"].filter((action) => STATUS_OF[action] !== status), "delete"];
  }

  function render(comments) {
    const ctx = { t, lang: app.lang, isSelectable: !single, fail: app.fail };
    list.append(...comments.map((comment) => commentCard(comment, { ...ctx, actions: actionsFor(comment.status) })));
    if (!list.children.length) list.append(h("li", { class: "mc-empty", text: t("empty") }));
    updateSelection();
  }

  async function load({ focusId } = {}) {
    more.hidden = true;
    try {
      if (single) {
        clear(list);
        render([await call("GET", `/comments/${route.id}`)]);
      } else {
        const query = { status: state.status, limit: PAGE };
        if (state.article) query.article_id = state.article;
        if (state.cursor) query.cursor = state.cursor;
        const page = await call("GET", "/comments", { query });
        render(page.comments);
        state.cursor = page.next_cursor;
        more.hidden = !state.cursor;
      }
    } catch (error) {
      app.fail(error);
    }
    if (focusId != null) focusCard(list.querySelector(`[data-id="${focusId}"] > .mc-card`));
  }

  async function reload(options) {
    clear(list);
    state.cursor = null;
    notice.hidden = true;
    await load(options);
  }

  async function showArticle() {
    if (!state.article) return;
    try {
      drawArticle(await articleState(state.article));
    } catch (error) {
      app.fail(error);
    }
  }

  /** The public listing's state, or a PATCH's answer (which also has published_at). */
  function drawArticle({ closed, published_at: date, auto_close: rule }) {
    const toggle = h("button", { type: "button", class: "mc-button", text: t(closed ? "reopen" : "close"),
      onclick: () => setClosed(!closed) });
    add(clear(articleHead), h("h2", { text: t("onArticle", { article: state.article }) }),
      closed && h("p", { class: "mc-muted", text: t("isClosed") }), toggle);
    // The listing shows the date only as where the age rule counts from.
    if (date === undefined && rule?.counted_from === "published_at") {
      date = new Date(Date.parse(rule.closes_at) - rule.after_days * 864e5).toISOString();
    }
    if (date !== undefined) published.value = date ? date.slice(0, 10) : "";
  }

  async function patchArticle(body) {
    const answer = await call("PATCH", `/articles/${articlePath(state.article)}`, { body });
    drawArticle(answer);
    return answer;
  }

  async function setClosed(closed) {
    try {
      await patchArticle({ closed });
      app.announce(t(closed ? "closed" : "reopened", { article: state.article }));
    } catch (error) {
      app.fail(error);
    }
  }

  async function setPublished(date) {
    try {
      const answer = await patchArticle({ published_at: date });
      dateNote.textContent = answer.published_at ? t("dateSet", { date: new Intl.DateTimeFormat(app.lang,
        { dateStyle: "long", timeZone: "UTC" }).format(new Date(answer.published_at)) }) : t("dateCleared");
      app.announce(dateNote.textContent);
    } catch (error) {
      app.fail(error);
    }
  }

  function blocks() {
    return [blockEmail.checked && "email", blockNetwork.checked && "ip"].filter(Boolean);
  }

  async function act(action, targets) {
    if (!targets.length) return;
    if (action === "delete" && !(await app.confirm(t("confirmDelete", { n: targets.length }), t("delete")))) return;
    const ids = targets.map((card) => card.comment.id);
    const block = action === "spam" ? blocks() : [];
    let answer;
    try {
      answer = await call("POST", "/bulk", { body: { action, ids, ...(block.length ? { block } : {}) } });
    } catch (error) {
      return app.fail(error);
    }
    // Undo sets each comment back to the status it left; a deletion has no way back.
    state.undo = action === "delete" ? null
      : { ids, previous: targets.map((card) => card.comment.status), blocked: answer.blocked };
    const blocked = [...(answer.blocked?.emails || []), ...(answer.blocked?.networks || [])];
    report([t(`${STATUS_OF[action] || "deleted"}N`, { n: answer.updated }),
      blocked.length && t("blocked", { entries: blocked.join(", ") })].filter(Boolean).join(" "));
    if (single) await reload({ focusId: ids[0] });
    else removeCards(targets);
    app.refreshStats();
  }

  /** Take acted-on cards out of this status's list; the next one takes the focus. */
  function removeCards(targets) {
    const all = cards();
    const after = all.slice(all.indexOf(targets[targets.length - 1]) + 1).find((card) => !targets.includes(card));
    const before = all.slice(0, all.indexOf(targets[0])).reverse().find((card) => !targets.includes(card));
    for (const card of targets) card.parentElement.remove();
    updateSelection();
    if (after || before) return focusCard(after || before);
    if (state.cursor) return load().then(() => focusCard(cards()[0]));
    render([]);
    list.focus();
  }

  function report(message) {
    const undo = state.undo && h("button", { type: "button", class: "mc-button", text: t("undo"), onclick: undoLast });
    add(clear(outcome), h("p", { text: message }), undo);
    outcome.hidden = false;
    app.announce(message);
  }

  async function undoLast() {
    const last = state.undo;
    if (!last) return;
    state.undo = null;
    const groups = new Map();
    last.ids.forEach((id, index) => groups.set(last.previous[index], [...(groups.get(last.previous[index]) || []), id]));
    try {
      for (const [status, ids] of groups) await call("POST", "/bulk", { body: { action: ACTION_OF[status], ids } });
      const { emails = [], networks = [] } = last.blocked || {};
      if (emails.length || networks.length) await call("PATCH", "/rules", { body: { remove: { emails, networks } } });
    } catch (error) {
      return app.fail(error);
    }
    report(t("undone"));
    await reload({ focusId: last.ids[0] });
    app.refreshStats();
  }

  function move(step) {
    const all = cards(), current = currentCard();
    focusCard(all[current ? Math.max(0, Math.min(all.length - 1, all.indexOf(current) + step)) : 0]);
  }

  /** A key the console did not take for itself; true when the queue used it. */
  function handleKey(event) {
    const key = event.key, card = currentCard();
    if (key === "j" || key === "k") move(key === "j" ? 1 : -1);
    else if (key === "u") undoLast();
    else if (key === "/" && !single) articleInput.focus();
    else if (/^[1-4]$/.test(key)) app.navigate(queueHash(STATUSES[key - 1], state.article));
    else if (/^[ARS]$/.test(key)) act(KEY_ACTIONS[key.toLowerCase()], selectedCards());
    else if (!card) return false;
    else if (KEY_ACTIONS[key] && card.querySelector(`[data-action="${KEY_ACTIONS[key]}"]`)) act(KEY_ACTIONS[key], [card]);
    else if (KEY_PANELS[key]) togglePanel(card, KEY_PANELS[key]);
    else if (key === "x" && !single) card.querySelector(".mc-select").click();
    else return false;
    return true;
  }

  list.addEventListener("click", (event) => {
    const card = event.target.closest(".mc-card");
    const button = event.target.closest("button");
    if (!card || !button) return;
    if (button.dataset.action) act(button.dataset.action, [card]);
    else if (button.dataset.panel) togglePanel(card, button.dataset.panel);
    else if (button.dataset.article != null) app.navigate(queueHash(state.status, button.dataset.article));
  });
  list.addEventListener("change", updateSelection);
  selectAll.addEventListener("change", () => {
    for (const card of cards()) card.querySelector(".mc-select").checked = selectAll.checked;
    updateSelection();
  });
  for (const button of bulkButtons) button.addEventListener("click", () => act(button.dataset.bulk, selectedCards()));
  more.addEventListener("click", () => load());

  return {
    el, handleKey,
    start: () => Promise.all([load(), showArticle()]),
    showCounts(stats) {
      for (const count of tabs.querySelectorAll("[data-count]")) count.textContent = stats[count.dataset.count];
    },
    noticeFresh(count) {
      if (single || state.status !== "pending") return;
      const show = h("button", { type: "button", class: "mc-button", text: t("showNew"), onclick: () => reload() });
      add(clear(notice), h("p", { text: t("fresh", { n: count }) }), show);
      notice.hidden = false;
    },
  };
}
