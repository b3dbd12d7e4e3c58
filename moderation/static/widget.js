/* Comment widget (API.md v1); how to embed it and its data-* options: README "Embedding".
 * API: ModerationComments.init(el?, options?), ModerationComments.destroy(el?: all if omitted). */
(function () {
  "use strict";

  if (window.ModerationComments) return; // a second copy of the tag would render each thread twice
  const SCRIPT = document.currentScript; // null inside callbacks (STYLE.md)
  const AUTHOR_KEY = "mc:author";
  const PENDING_TTL = 30 * 864e5; // a rejected comment never turns approved: stop showing it after a month
  const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;".]+$/;
  // API.md field rules: [required, max code points, check, message].
  const RULES = {
    name: [true, 80, (v) => !/[<>\p{Cc}\p{Cf}]/u.test(v), "badChars"],
    email: [true, 254, (v) => EMAIL.test(v) && [...v.slice(0, v.lastIndexOf("@"))].length <= 64, "badEmail"],
    website: [false, 2048, (v) => /^https?:\/\/[^/?#\s]/i.test(v) && isHttpUrl(v), "badUrl"], // not "http:host"
    body: [true, 10000, (v) => !/[^\P{Cc}\t\n\r]/u.test(v), "badChars"],
  };
  const FIELDS = Object.keys(RULES);

  const I18N = {
    en: {
      title: "Comments", count: { one: "{n} comment", other: "{n} comments" }, loading: "Loading comments…",
      loadFailed: "Comments could not be loaded.", retry: "Try again", more: "Load more comments", reply: "Reply",
      replyTo: "Reply to {name}", cancel: "Cancel reply", leave: "Leave a Reply",
      notice: "Your email address will not be published. Required fields are marked *", name: "Name", email: "Email",
      website: "Website", body: "Comment", save: "Save my name, email, and website in this browser for the next time I comment.",
      post: "Post Comment", deleted: "[deleted]", pending: "Awaiting moderation",
      held: "Thank you! Your comment is awaiting moderation.", published: "Your comment has been published.",
      closed: "Comments are closed.", network: "Network error. Please check your connection and try again.",
      failed: "Your comment could not be posted.", fix: "Please correct the marked fields.",
      duplicate: "You have already posted this comment.", rate: "Too many attempts. Please try again {when}.",
      rateLater: "Too many attempts. Please try again later.", required: "This field is required.",
      tooLong: "Too long (at most {n} characters).", badChars: "Contains characters that are not allowed.",
      badEmail: "Enter a valid email address.", badUrl: "Enter a full http:// or https:// address.",
      notify: "Notify me of replies by email",
      closedMod: "Comments were closed by the moderators.", closedAge: "Comments were closed {days} after publication.",
      closedFirst: "Comments were closed {days} after the first comment.", days: { one: "{n} day", other: "{n} days" },
      feed: "Comments feed",
    },
    uk: {
      title: "Коментарі", count: { one: "{n} коментар", few: "{n} коментарі", many: "{n} коментарів", other: "{n} коментаря" },
      loading: "Завантаження коментарів…", loadFailed: "Не вдалося завантажити коментарі.", retry: "Спробувати ще раз",
      more: "Показати більше коментарів", reply: "Відповісти", replyTo: "Відповідь для {name}", cancel: "Скасувати відповідь",
      leave: "Залишити коментар", notice: "Ваша адреса електронної пошти не буде опублікована. Обов’язкові поля позначені *",
      name: "Ім’я", email: "Електронна пошта", website: "Вебсайт", body: "Коментар",
      save: "Зберегти моє ім’я, електронну пошту та вебсайт у цьому браузері для наступних коментарів.", post: "Надіслати коментар",
      deleted: "[видалено]", pending: "Очікує модерації", held: "Дякуємо! Ваш коментар очікує на модерацію.",
      published: "Ваш коментар опубліковано.", closed: "Коментування закрито.",
      network: "Помилка мережі. Перевірте з’єднання і спробуйте ще раз.", failed: "Не вдалося надіслати коментар.",
      fix: "Виправте позначені поля.", duplicate: "Ви вже надіслали цей коментар.",
      rate: "Забагато спроб. Спробуйте ще раз {when}.", rateLater: "Забагато спроб. Спробуйте пізніше.",
      required: "Обов’язкове поле.", tooLong: "Забагато символів (максимум {n}).", badChars: "Містить недозволені символи.",
      badEmail: "Введіть дійсну адресу електронної пошти.", badUrl: "Введіть повну адресу з http:// або https://.",
      notify: "Повідомляти про відповіді поштою",
      closedMod: "Коментування закрили модератори.", closedAge: "Коментування закрито через {days} після публікації.",
      closedFirst: "Коментування закрито через {days} після першого коментаря.",
      days: { one: "{n} день", few: "{n} дні", many: "{n} днів", other: "{n} дня" }, feed: "Стрічка коментарів",
    },
  };

  // Pages theme it by setting --mc-* on any ancestor; the private --_* copies hold the defaults.
  const CSS = `
.mc-root{color:var(--_fg);background:var(--_bg);line-height:1.55;--_fg:var(--mc-fg,#1c1c1e);--_bg:var(--mc-bg,#fff);
  --_accent:var(--mc-accent,#0a58b8);--_muted:var(--mc-muted,#66666d);--_border:var(--mc-border,#dcdce1);--_error:var(--mc-error,#b3261e);
  --_soft:var(--mc-soft,#f3f3f5)}
@media (prefers-color-scheme:dark){.mc-root{--_fg:var(--mc-fg,#e6e6ea);--_bg:var(--mc-bg,#151518);--_accent:var(--mc-accent,#7db3ff);
  --_muted:var(--mc-muted,#a3a3ab);--_border:var(--mc-border,#393940);--_error:var(--mc-error,#ff8e85);--_soft:var(--mc-soft,#212126)}}
.mc-root *{box-sizing:border-box}
.mc-root [hidden],.mc-root .mc-error:empty,.mc-root .mc-status:empty,.mc-root.mc-closed .mc-form,
.mc-root.mc-closed .mc-link{display:none!important}
.mc-root :focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
.mc-root .mc-count{margin:0 0 .5rem;padding-bottom:.5rem;border-bottom:2px solid;font-size:1.3em}
.mc-root .mc-list{margin:0;padding:0;list-style:none}
.mc-root .mc-item{margin:1rem 0 0 calc(min(var(--d),5)*1.5rem);padding-top:1rem;border-top:1px solid var(--_border)}
.mc-root .mc-item:first-child{margin-top:0;border:0}
.mc-root .mc-sub{margin-top:0;padding-left:1rem;border:0;border-left:2px solid var(--_border)}
.mc-root .mc-comment{display:grid;grid-template-columns:2.5rem 1fr;column-gap:.8rem}.mc-root .mc-comment>*{grid-column:2}
.mc-root .mc-avatar{grid-area:1/1/4;width:2.5rem;height:2.5rem;border-radius:50%;background:var(--_soft)}
.mc-root .mc-meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 .7rem}.mc-root .mc-name{font-weight:700;color:inherit}
.mc-root a.mc-name,.mc-root .mc-body a,.mc-root .mc-link,.mc-root .mc-feed a{color:var(--_accent)}
.mc-root .mc-meta time,.mc-root .mc-note,.mc-root .mc-deleted,.mc-root .mc-notice{color:var(--_muted)}
.mc-root .mc-body{overflow-wrap:anywhere}.mc-root .mc-body p{margin:.35em 0}.mc-root .mc-body pre{overflow:auto}
.mc-root .mc-pending{opacity:.6}.mc-root .mc-deleted{margin:0}
.mc-root .mc-badge{padding:0 .6em;border:1px solid var(--_border);border-radius:1em;font-size:.75em;text-transform:uppercase}
.mc-root .mc-link,.mc-root .mc-button{font:inherit;font-weight:600;cursor:pointer}
.mc-root .mc-link{justify-self:start;padding:0;border:0;background:none;font-size:.85em}
.mc-root .mc-button{padding:.6em 1.3em;border:1px solid var(--_accent);border-radius:.3rem;background:var(--_accent);color:var(--_bg)}
.mc-root .mc-button:disabled{opacity:.6}.mc-root .mc-more{display:block;margin:1.25rem auto 0;background:none;color:var(--_accent)}
.mc-root .mc-form{margin-top:1.5rem;padding:1.25rem;border-radius:.5rem;background:var(--_soft)}
.mc-root .mc-item .mc-form{margin:.75rem 0 0}
.mc-root .mc-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline}
.mc-root .mc-head h3{margin:0;font-size:1.15em}.mc-root .mc-notice{margin:.25rem 0 1rem}
.mc-root .mc-notice,.mc-root .mc-check,.mc-root .mc-field label,.mc-root .mc-meta time,.mc-root .mc-feed{font-size:.88em}
.mc-root .mc-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));column-gap:1rem}.mc-root .mc-field{margin:0 0 .9rem}
.mc-root .mc-field label{display:block;margin-bottom:.25rem;font-weight:600}.mc-root .mc-field textarea{resize:vertical}
.mc-root .mc-field input,.mc-root .mc-field textarea{width:100%;padding:.5em .65em;border:1px solid var(--_border);border-radius:.3rem;
  background:var(--_bg);color:var(--_fg);font:inherit}
.mc-root [aria-invalid=true]{border-color:var(--_error)}.mc-root .mc-req,.mc-root .mc-error,.mc-root .mc-bad{color:var(--_error)}
.mc-root .mc-error{margin:.25rem 0 0}.mc-root .mc-check{display:flex;gap:.5rem;margin:0 0 1rem}.mc-root .mc-status{margin:.75rem 0 0}
.mc-root .mc-hp{position:absolute;left:-9999px}`;

  const instances = new Map();
  let uid = 0;

  // Attributes and textContent only: nothing here parses HTML.
  function setAttrs(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") el.textContent = value;
      else if (value != null && value !== false) el.setAttribute(key, value === true ? "" : value);
    }
    return el;
  }

  function h(tag, attrs, ...kids) {
    const el = setAttrs(document.createElement(tag), attrs);
    el.append(...kids.filter((kid) => kid != null && kid !== false));
    return el;
  }

  // Storage may throw (disabled, full, sandboxed): then the widget forgets.
  function readStore(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
  }
  function writeStore(key, value) {
    try {
      if (value == null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch { /* see readStore */ }
  }

  function isHttpUrl(text, base) {
    try { return /^https?:$/.test(new URL(text, base).protocol); } catch { return false; }
  }

  function translator(lang) {
    const table = I18N[lang], plural = new Intl.PluralRules(lang);
    return (key, vars = {}) => {
      const entry = table[key];
      const text = typeof entry === "string" ? entry : entry[plural.select(vars.n)] || entry.other;
      return text.replace(/\{(\w+)\}/g, (_, name) => (typeof vars[name] === "number" ? vars[name].toLocaleString(lang) : vars[name]));
    };
  }

  function readConfig(el, options) {
    const pick = (key) => options[key] ?? el.dataset[key] ?? SCRIPT?.dataset[key];
    const lang = String(pick("lang") || document.documentElement.lang).toLowerCase().split(/[-_]/)[0];
    const config = {
      articleId: options.articleId ?? el.dataset.articleId,
      api: pick("api") || (SCRIPT?.src ? new URL(".", SCRIPT.src).href : ""),
      lang: Object.hasOwn(I18N, lang) ? lang : "en",
      order: pick("order") || "oldest",
      limit: Number(pick("limit") || 20),
    };
    const problem = configProblem(config);
    if (problem) return console.error(`[comments] ${problem}; the widget is not shown.`);
    config.api = new URL(config.api, document.baseURI).href.replace(/\/+$/, "");
    return config;
  }

  function configProblem({ articleId: id, api, order, limit }) {
    const checks = [
      [typeof id === "string" && /^[^\p{Cc}\p{Cf}]{1,200}$/u.test(id), "data-article-id must be 1-200 printable characters"],
      // URL resolution would turn such segments into another article's path.
      [!/(^|\/)\.{0,2}(\/|$)/.test(id), "data-article-id must not have empty, . or .. segments"],
      [api && isHttpUrl(api, document.baseURI), "data-api must be an http(s) URL"],
      [order === "oldest" || order === "newest", "data-order must be oldest or newest"],
      [Number.isInteger(limit) && limit >= 1 && limit <= 100, "data-limit must be 1-100"],
    ];
    return checks.find(([isValid]) => !isValid)?.[1];
  }

  function validate(values, t) {
    const errors = {};
    for (const [name, [required, max, isValid, message]] of Object.entries(RULES)) {
      const value = values[name];
      if (!value) { if (required) errors[name] = t("required"); }
      else if ([...value].length > max) errors[name] = t("tooLong", { n: max }); // code points, as the server counts
      else if (!isValid(value)) errors[name] = t(message);
    }
    return errors;
  }

  // author.avatar is an HMAC, not the email (API.md); drawn locally, so no third party sees readers.
  // Without one (a post's own answer has none) it is the neutral placeholder: the bare --mc-soft disc.
  function identicon(key) {
    const svg = (tag, attrs) => setAttrs(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs);
    const icon = svg("svg", { viewBox: "-1 -1 7 7", class: "mc-avatar", "aria-hidden": "true" });
    if (!/^[0-9a-f]{16}$/i.test(key)) return icon;
    const cells = parseInt(key.slice(0, 4), 16), hue = parseInt(key.slice(4, 8), 16) % 360;
    let path = "";
    for (let i = 0; i < 15; i++) {
      const x = Math.floor(i / 5), y = i % 5; // columns 0-2, mirrored onto 4-3
      if (cells & (1 << i)) path += `M${x} ${y}h1v1h-1zM${4 - x} ${y}h1v1h-1z`;
    }
    icon.append(svg("path", { d: path, fill: `hsl(${hue} 55% 52%)` }));
    return icon;
  }

  function mount(container, config) {
    const t = translator(config.lang);
    const abort = new AbortController(); // destroy() aborts every listener and request
    const on = (target, type, handler) => target.addEventListener(type, handler, { signal: abort.signal });
    const path = config.articleId.split("/").map(encodeURIComponent).join("/");
    const endpoint = `${config.api}/api/v1/articles/${path}/comments`;
    const pendingKey = `mc:pending:${config.api}:${config.articleId}`;
    // Signed form token: a post without one is held (abuse rules).
    let formToken = null;
    const renewToken = () => fetch(endpoint.replace(/comments$/, "form-token"), { credentials: "omit", signal: abort.signal })
      .then((r) => r.json()).then((a) => { formToken = a.form_token; }).catch(() => {});
    const relative = new Intl.RelativeTimeFormat(config.lang, { numeric: "auto" });
    const absolute = new Intl.DateTimeFormat(config.lang, { dateStyle: "long", timeStyle: "short" });
    const prefix = `mc${++uid}`;
    const nodes = new Map();
    const state = { total: 0, cursor: null, parentId: null, opener: null, isReady: false };

    const count = h("h2", { class: "mc-count", text: t("title") });
    const note = h("p", { class: "mc-note", "aria-live": "polite" });
    const list = h("ol", { class: "mc-list" });
    const more = h("button", { type: "button", class: "mc-button mc-more", hidden: true });
    const form = buildForm();
    const root = h("section", { class: "mc-root", "aria-label": t("title") }, count, feedLink(), note, list, more, form.el);
    container.append(root);

    function buildForm() {
      const inputs = {}, errors = {};
      const field = (name, type, attrs) => {
        const id = `${prefix}-${name}`, required = RULES[name][0];
        inputs[name] = h(type ? "input" : "textarea", { id, name, type, required, "aria-describedby": `${id}-error`, ...attrs });
        errors[name] = h("p", { class: "mc-error", id: `${id}-error`, role: "alert" });
        return h("p", { class: "mc-field" },
          h("label", { for: id }, t(name), required && h("span", { class: "mc-req", "aria-hidden": "true" }, " *")),
          inputs[name], errors[name]);
      };
      const title = h("h3", { id: `${prefix}-title`, text: t("leave") });
      const cancel = h("button", { type: "button", class: "mc-link", hidden: true, text: t("cancel") });
      const remember = h("input", { type: "checkbox", id: `${prefix}-save` });
      const notify = h("input", { type: "checkbox", id: `${prefix}-notify` });
      // Honeypot: unseen, untabbable and unspoken, so only bots fill it in.
      const trap = h("input", { name: "website_url", tabindex: "-1", autocomplete: "off" });
      const submit = h("button", { type: "submit", class: "mc-button", text: t("post") });
      const status = h("p", { class: "mc-status", "aria-live": "polite" });
      const el = h("form", { class: "mc-form", novalidate: true, hidden: true, "aria-labelledby": title.id },
        h("div", { class: "mc-head" }, title, cancel),
        h("p", { class: "mc-notice", text: t("notice") }),
        h("div", { class: "mc-grid" },
          field("name", "text", { autocomplete: "name" }),
          field("email", "email", { autocomplete: "email" }),
          field("website", "url", { autocomplete: "url" })),
        field("body", null, { rows: 6 }),
        h("div", { class: "mc-hp", "aria-hidden": "true" }, trap),
        h("p", { class: "mc-check" }, remember, h("label", { for: remember.id, text: t("save") })),
        h("p", { class: "mc-check" }, notify, h("label", { for: notify.id, text: t("notify") })),
        h("div", null, submit, status));
      return { el, inputs, errors, title, cancel, remember, notify, trap, submit, status };
    }

    function say(target, text, isBad) {
      target.textContent = text;
      target.classList.toggle("mc-bad", !!isBad);
    }

    function relativeText(seconds) {
      const units = [["year", 31536e3], ["month", 2592e3], ["day", 864e2], ["hour", 3600], ["minute", 60]];
      const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) || ["second", 1];
      return relative.format(Math.round(seconds / size), unit);
    }

    function timeNode(iso) {
      const date = new Date(iso);
      if (isNaN(date)) return null;
      const seconds = Math.min(0, (date - Date.now()) / 1000); // clock skew: never "in 2 seconds"
      return h("time", { datetime: iso, title: absolute.format(date), text: relativeText(seconds) });
    }

    function commentNode(comment, isPending) {
      const depth = Math.max(0, comment.depth | 0);
      const item = h("li", { class: depth ? "mc-item mc-sub" : "mc-item", "data-id": comment.id, "data-depth": depth });
      item.style.setProperty("--d", depth);
      nodes.set(comment.id, item);
      if (comment.deleted) {
        item.append(h("p", { class: "mc-deleted", text: t("deleted") }));
        return item;
      }
      const author = comment.author || {}, name = String(author.name ?? "");
      // http(s) only: a javascript: website is the classic widget XSS (Isso's regression test).
      const who = /^https?:\/\//i.test(author.website || "")
        ? h("a", { class: "mc-name", href: author.website, rel: "nofollow ugc noopener noreferrer", text: name })
        : h("span", { class: "mc-name", text: name });
      const body = h("div", { class: "mc-body" });
      // Sanitised by the server on write (API.md "Body sanitisation"): the file's one HTML sink.
      body.innerHTML = comment.body_html;
      item.append(h("article", { class: isPending ? "mc-comment mc-pending" : "mc-comment", tabindex: "-1" },
        identicon(author.avatar),
        h("header", { class: "mc-meta" }, who, timeNode(comment.created_at),
          isPending && h("span", { class: "mc-badge", text: t("pending") })),
        body,
        !isPending && h("button", { type: "button", class: "mc-link", "data-reply": true, "aria-label": t("replyTo", { name }),
          text: t("reply") })));
      return item;
    }

    // Replies end their parent's thread (flat, depth-first listing); others go where the order puts the newest.
    function insertNew(node, parentId) {
      let last = nodes.get(parentId);
      if (parentId == null || !last) {
        node.classList.add("mc-tail");
        return config.order === "newest" ? list.prepend(node) : list.append(node);
      }
      const depth = +last.dataset.depth;
      while (last.nextElementSibling && +last.nextElementSibling.dataset.depth > depth) last = last.nextElementSibling;
      last.after(node);
    }

    // A pending copy keeps what the listing shows: never the author key, which only "remember me" keeps.
    const shown = ({ id, parent_id, depth, author: a, body_html, created_at, savedAt }) =>
      ({ id, parent_id, depth, author: { name: a?.name, website: a?.website }, body_html, created_at, savedAt });

    function readPending() {
      const saved = readStore(pendingKey);
      return Array.isArray(saved) ? saved.filter((c) => c && c.id != null && Date.now() - c.savedAt < PENDING_TTL).map(shown) : [];
    }

    function showPending(isLastPage) {
      for (const comment of readPending()) {
        const isOrphan = comment.parent_id != null && !nodes.has(comment.parent_id);
        if (nodes.has(comment.id) || (isOrphan && !isLastPage)) continue; // its parent may be on a later page
        insertNew(commentNode(isOrphan ? { ...comment, depth: 0 } : comment, true), comment.parent_id);
      }
    }

    function render(page) {
      setClosed(page);
      showCount(page.total);
      const approved = new Set(page.comments.map((c) => c.id));
      for (const id of approved) nodes.get(id)?.remove(); // pending copies turned approved
      const stillPending = readPending().filter((c) => !approved.has(c.id));
      writeStore(pendingKey, stillPending.length ? stillPending : null);
      const fragment = document.createDocumentFragment();
      for (const comment of page.comments) fragment.append(commentNode(comment, false));
      list.insertBefore(fragment, config.order === "oldest" ? list.querySelector(".mc-tail") : null);
      state.cursor = page.next_cursor;
      showPending(!page.next_cursor);
    }

    function setClosed(page) {
      root.classList.toggle("mc-closed", !!page.closed);
      say(note, page.closed ? closedText(page) : "");
    }

    // Why the form is gone (listing: closed_reason, and auto_close for CLOSE_AFTER_DAYS).
    function closedText({ closed_reason: reason, auto_close: rule }) {
      if (reason === "moderator") return t("closedMod");
      if (reason !== "age") return t("closed");
      return t(rule.counted_from === "published_at" ? "closedAge" : "closedFirst", { days: t("days", { n: rule.after_days }) });
    }

    // The article's Atom feed, for readers who follow the discussion elsewhere.
    function feedLink() {
      const href = `${config.api}/feeds/articles/${path}.atom`;
      return h("p", { class: "mc-feed" }, h("a", { href, type: "application/atom+xml", text: t("feed") }));
    }

    function showCount(total) {
      state.total = total;
      count.textContent = t("count", { n: total });
    }

    async function loadPage() {
      more.hidden = true;
      say(note, t("loading"));
      const query = new URLSearchParams({ limit: config.limit, order: config.order });
      if (state.cursor) query.set("cursor", state.cursor);
      try {
        // Own comments pending: revalidate (ETag, mostly a 304) so an approval shows at once.
        const cache = readPending().length ? "no-cache" : "default";
        const response = await fetch(`${endpoint}?${query}`, { credentials: "omit", cache, signal: abort.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        render(await response.json());
        more.textContent = t("more");
        more.hidden = !state.cursor;
      } catch {
        if (abort.signal.aborted) return;
        say(note, t("loadFailed"), true);
        more.textContent = t("retry");
        more.hidden = false;
      }
      if (state.isReady) return;
      state.isReady = true;
      form.el.hidden = false; // shown once "closed" is known
      const detail = { articleId: config.articleId, total: state.total };
      container.dispatchEvent(new CustomEvent("moderation:ready", { bubbles: true, detail }));
    }

    function showErrors(messages) {
      for (const name of FIELDS) {
        form.errors[name].textContent = messages[name] || "";
        form.inputs[name].setAttribute("aria-invalid", String(!!messages[name]));
      }
      const firstBad = FIELDS.find((name) => messages[name]);
      if (firstBad) form.inputs[firstBad].focus();
      return !!firstBad;
    }

    // Under a comment (replying to it) or, with no item, back at the end.
    function moveForm(item) {
      state.parentId = item ? Number(item.dataset.id) : null;
      form.title.textContent = item ? t("replyTo", { name: item.querySelector(".mc-name").textContent }) : t("leave");
      form.cancel.hidden = !item;
      (item || root).append(form.el);
    }

    function openReply(button) {
      state.opener = button;
      moveForm(button.closest(".mc-item"));
      const { name, email, body } = form.inputs;
      (name.value ? (email.value ? body : email) : name).focus(); // keyboard users land in the form
    }

    async function submit(event) {
      event.preventDefault();
      const values = Object.fromEntries(FIELDS.map((name) => [name, form.inputs[name].value.trim()]));
      say(form.status, "");
      if (showErrors(validate(values, t))) return;
      const payload = { name: values.name, email: values.email, body: values.body };
      if (values.website) payload.website = values.website;
      if (state.parentId != null) payload.parent_id = state.parentId;
      if (form.trap.value) payload.website_url = form.trap.value; // sent only when a bot filled it
      if (formToken) payload.form_token = formToken;
      if (form.notify.checked) payload.notify_replies = true; // a confirmation is mailed first
      const key = readStore(AUTHOR_KEY)?.key; // author key, kept only if "remember me"
      if (key) payload.author_key = key;
      form.submit.disabled = true;
      try {
        // JSON, never a form: the API refuses cross-site "simple requests" (415); no cookies.
        const response = await fetch(endpoint, {
          method: "POST", credentials: "omit", signal: abort.signal,
          headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
        });
        const answer = await response.json().catch(() => null);
        if (response.ok && answer) posted(answer, response.status === 201, values);
        else refused(response, answer?.error || {});
      } catch {
        if (!abort.signal.aborted) say(form.status, t("network"), true);
      } finally {
        form.submit.disabled = false;
      }
    }

    // 202: shown greyed in this browser only, until listed as approved. 201: shown as usual.
    function posted(comment, isApproved, { name, email, website }) {
      if (form.remember.checked) writeStore(AUTHOR_KEY, { name, email, website, key: comment.author_key || readStore(AUTHOR_KEY)?.key });
      renewToken();
      if (!isApproved) writeStore(pendingKey, [...readPending(), shown({ ...comment, savedAt: Date.now() })]);
      const node = commentNode(comment, !isApproved);
      moveForm(null);
      insertNew(node, comment.parent_id);
      if (isApproved) showCount(state.total + 1);
      form.inputs.body.value = "";
      say(form.status, t(isApproved ? "published" : "held"));
      node.firstChild.focus();
    }

    function refused(response, { code, fields }) {
      if (code === "comments_closed") return setClosed({ closed: true });
      if (response.status === 429) {
        // Readable cross-origin only if the API sends Access-Control-Expose-Headers: Retry-After.
        const seconds = parseInt(response.headers.get("Retry-After"), 10);
        return say(form.status, seconds > 0 ? t("rate", { when: relativeText(seconds) }) : t("rateLater"), true);
      }
      if (code !== "validation_failed" || !fields) {
        return say(form.status, t(code === "duplicate" ? "duplicate" : "failed"), true);
      }
      // error.fields (API.md "Errors"): beside each field; others (parent_id) on the status line.
      const join = (messages) => [].concat(messages).join(" ");
      showErrors(Object.fromEntries(FIELDS.filter((name) => fields[name]).map((name) => [name, join(fields[name])])));
      const others = Object.keys(fields).filter((name) => !FIELDS.includes(name)).map((name) => `${name}: ${join(fields[name])}`);
      say(form.status, [t("fix"), ...others].join(" "), true);
    }

    function restoreAuthor() {
      const saved = readStore(AUTHOR_KEY);
      if (!saved || typeof saved !== "object") return;
      for (const name of ["name", "email", "website"]) form.inputs[name].value = String(saved[name] ?? "");
      form.remember.checked = true;
    }

    on(form.el, "submit", submit);
    on(form.remember, "change", () => form.remember.checked || writeStore(AUTHOR_KEY, null));
    on(form.cancel, "click", () => { moveForm(null); state.opener.focus(); });
    on(more, "click", loadPage);
    on(list, "click", (event) => {
      const button = event.target.closest("[data-reply]");
      if (button) openReply(button);
    });
    restoreAuthor();
    renewToken();
    loadPage();
    return () => { abort.abort(); root.remove(); };
  }

  function init(el = document.getElementById("comments"), options = {}) {
    if (!(el instanceof Element)) return console.error("[comments] init() needs a container element.");
    destroy(el);
    const config = readConfig(el, options);
    if (!config) return;
    if (!document.getElementById("mc-style")) document.head.append(h("style", { id: "mc-style", text: CSS }));
    instances.set(el, mount(el, config));
  }

  function destroy(el) {
    if (!el) document.removeEventListener("DOMContentLoaded", autoInit);
    for (const [container, unmount] of instances) {
      if (el && el !== container) continue;
      unmount();
      instances.delete(container);
    }
    if (!instances.size) document.getElementById("mc-style")?.remove();
  }

  function autoInit() {
    const el = document.getElementById("comments");
    if (el?.hasAttribute("data-article-id") && !instances.has(el)) init(el);
  }

  window.ModerationComments = { init, destroy };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoInit);
  else autoInit();
})();
