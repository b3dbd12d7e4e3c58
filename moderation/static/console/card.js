/* One comment as a moderator sees it: who wrote it, where from, why it was
 * held, the body as readers see it, and on request its source, its context
 * (parent and replies) and the author's other comments. Every field is
 * text or an attribute; the body goes through dom.body() alone. */
"use strict";

import { call } from "./api.js";
import { ago, body, h, identicon, outLink } from "./dom.js";

const PANELS = ["source", "context", "author"];

/** The network a stored (anonymised) address stands for: IPv4 /24, IPv6 /48 (API.md privacy). */
function network(ip) {
  return ip.includes(":") ? `${ip}/48` : `${ip}/24`;
}

function badge(t, status) {
  return h("span", { class: `mc-badge mc-${status}`, text: t(status) });
}

/** A compact comment for the context and author panels, linking to its own page. */
function mini(comment, ctx) {
  const { t, lang } = ctx;
  return h("li", { class: "mc-mini" },
    h("p", { class: "mc-mini-head" },
      h("a", { href: `#/comment/${comment.id}`, text: `#${comment.id}`, "aria-label": t("open", { id: comment.id }) }),
      h("span", { class: "mc-name", text: String(comment.author?.name ?? "") }), badge(t, comment.status),
      ago(comment.created_at, lang), h("span", { class: "mc-muted", text: comment.article_id }),
      comment.id === ctx.currentId && h("span", { class: "mc-this", text: t("thisOne") })),
    body(comment));
}

async function fillSource(panel, comment, ctx) {
  const { t, lang } = ctx;
  panel.append(h("pre", { class: "mc-source", text: comment.body_text, "aria-label": t("source") }));
  // The texts its author's edits replaced, oldest first (a moderator's edit keeps none).
  const revisions = comment.revisions || [];
  if (revisions.length) {
    panel.append(h("h4", { text: t("earlierTexts") }), h("ol", { class: "mc-revisions" }, revisions.map((revision) =>
      h("li", null, h("p", { class: "mc-muted" }, t("replaced"), " ", ago(revision.replaced_at, lang)),
        h("pre", { class: "mc-source", text: String(revision.body_text ?? "") })))));
  }
}

async function fillContext(panel, comment, ctx) {
  const { t } = ctx;
  if (comment.parent_id != null) {
    panel.append(h("h4", { text: t("inReplyTo", { id: comment.parent_id }) }));
    try {
      panel.append(h("ul", { class: "mc-minis" }, mini(await call("GET", `/comments/${comment.parent_id}`), ctx)));
    } catch (error) {
      panel.append(h("p", { class: "mc-muted", text: error.status === 404 ? t("parentGone") : t("failed", { message: error.message }) }));
    }
  }
  panel.append(h("h4", { text: t("replies") }));
  await fillList(panel, { parent_id: comment.id, limit: 20 }, ctx, t("noReplies"));
}

async function fillAuthor(panel, comment, ctx) {
  // By comment id: the address itself never goes into a URL (API.md).
  await fillList(panel, { author_of: comment.id, order: "newest", limit: 10 }, { ...ctx, currentId: comment.id },
    ctx.t("authorNone"));
}

/** A paged list of mini comments for a query of GET /comments, with "Load more". */
async function fillList(panel, query, ctx, emptyText) {
  const list = h("ul", { class: "mc-minis" });
  const more = h("button", { type: "button", class: "mc-link", hidden: true, text: ctx.t("loadMore") });
  panel.append(list, more);
  const load = async (cursor) => {
    more.hidden = true;
    const page = await call("GET", "/comments", { query: cursor ? { ...query, cursor } : query });
    list.append(...page.comments.map((comment) => mini(comment, ctx)));
    if (!list.children.length) list.replaceWith(h("p", { class: "mc-muted", text: emptyText }));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor).catch((error) => ctx.fail(error));
  };
  await load(null);
}

const FILLERS = { source: fillSource, context: fillContext, author: fillAuthor };

/** Show or hide one panel of a card; the first opening loads it. */
export async function togglePanel(card, name) {
  const button = card.querySelector(`[data-panel="${name}"]`);
  const panel = card.querySelector(`#${button.getAttribute("aria-controls")}`);
  const isOpen = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!isOpen));
  panel.hidden = isOpen;
  if (!isOpen && !panel.dataset.loaded) {
    panel.dataset.loaded = "yes";
    panel.append(h("p", { class: "mc-muted mc-loading", text: card.ctx.t("loading") }));
    try {
      await FILLERS[name](panel, card.comment, card.ctx);
    } catch (error) {
      panel.append(h("p", { class: "mc-error", role: "alert", text: card.ctx.t("failed", { message: error.message }) }));
    } finally {
      panel.querySelector(".mc-loading")?.remove();
    }
  }
}

function who(comment, ctx, prefix) {
  const author = comment.author || {};
  const name = String(author.name ?? "");
  let host = author.website || "";
  try { host = new URL(host).host + new URL(host).pathname.replace(/\/$/, ""); } catch { /* shown as given */ }
  return h("div", { class: "mc-who" },
    h("h3", { class: "mc-name", id: `${prefix}-name`, text: name }),
    h("p", { class: "mc-contact" },
      h("span", { class: "mc-email", text: String(author.email ?? "") }),
      author.website && outLink(author.website, host)));
}

function details(comment, ctx, prefix) {
  const { t, lang } = ctx;
  const reasons = comment.moderation?.reasons || [];
  const client = [comment.ip && t("network", { network: network(comment.ip) }),
    comment.user_agent && t("agent", { agent: comment.user_agent })].filter(Boolean).join(" · ");
  return [
    h("p", { class: "mc-meta", id: `${prefix}-meta` },
      h("button", { type: "button", class: "mc-link mc-article", "data-article": comment.article_id, text: comment.article_id }),
      ago(comment.created_at, lang),
      comment.edited && h("span", { class: "mc-muted mc-edited" }, t("edited"), " ", ago(comment.edited, lang)),
      comment.parent_id != null && h("a", { href: `#/comment/${comment.parent_id}`, text: t("inReplyTo", { id: comment.parent_id }) })),
    reasons.length > 0 && h("div", { class: "mc-reasons" },
      h("p", { class: "mc-label", text: t("heldFor") }), h("ul", null, reasons.map((reason) => h("li", { text: String(reason) })))),
    body(comment),
    h("p", { class: "mc-client", text: client || t("noClient") }),
    comment.moderated_by && h("p", { class: "mc-muted" },
      t("by", { status: t(comment.status), name: comment.moderated_by }), " ", ago(comment.moderated_at, lang)),
  ];
}

/** The card of one comment; ctx = {t, lang, actions: [names], isSelectable, fail(error)}. */
export function commentCard(comment, ctx) {
  const { t } = ctx;
  const prefix = `c${comment.id}`;
  const name = String(comment.author?.name ?? "");
  const buttons = ctx.actions.map((action) => h("button", {
    type: "button", class: `mc-button mc-act-${action}`, "data-action": action,
    text: t(action === "spam" ? "markSpam" : action),
  }));
  const toggles = PANELS.map((panel) => h("button", {
    type: "button", class: "mc-link", "data-panel": panel, "aria-expanded": "false",
    "aria-controls": `${prefix}-${panel}`, text: t(panel),
  }));
  const card = h("article", { class: "mc-card", tabindex: "-1", "aria-labelledby": `${prefix}-name ${prefix}-meta` },
    h("div", { class: "mc-card-head" },
      ctx.isSelectable && h("input", { type: "checkbox", class: "mc-select", "aria-label": t("select", { name }) }),
      identicon(comment.author?.avatar), who(comment, ctx, prefix), badge(t, comment.status)),
    details(comment, ctx, prefix),
    h("div", { class: "mc-actions" }, h("div", { class: "mc-decide" }, buttons), h("div", { class: "mc-toggles" }, toggles)),
    PANELS.map((panel) => h("div", { class: "mc-panel", id: `${prefix}-${panel}`, hidden: true })));
  card.comment = comment;
  card.ctx = ctx;
  return h("li", { class: "mc-item", "data-id": comment.id }, card);
}
