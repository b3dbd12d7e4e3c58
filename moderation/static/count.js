/* Comment counts for a site's article lists (README "Count badges"). Include once:
 *   <a href="/2026/11/hello">Hello <span data-comment-count="2026/11/hello"></span></a>
 *   <script src="https://COMMENTS-HOST/count.js" async></script>
 * Each marked element gets "N comments" in the page's language (<html lang>: en or uk).
 * API: ModerationCounts.update(root?) counts the marked elements under root again. */
(function () {
  "use strict";

  if (window.ModerationCounts) return;
  const SCRIPT = document.currentScript; // null inside callbacks
  const BATCH = 100; // API.md: at most 100 ids per counts request
  // Characters of query per request: under the request-line limits of the shipped gunicorn and nginx (8 KB).
  const QUERY_MAX = 7000;
  const WORDS = {
    en: { one: "{n} comment", other: "{n} comments" },
    uk: { one: "{n} коментар", few: "{n} коментарі", many: "{n} коментарів", other: "{n} коментаря" },
  };

  // The API's rules for an article id (API.md "Articles"): one bad id would fail its whole request.
  function isArticleId(id) {
    return /^[^\p{Cc}\p{Cf}]{1,200}$/u.test(id) && !/(^|\/)\.{0,2}(\/|$)/.test(id);
  }

  function labeller(lang) {
    const code = Object.hasOwn(WORDS, lang) ? lang : "en";
    const words = WORDS[code], plural = new Intl.PluralRules(code);
    return (n) => (words[plural.select(n)] || words.other).replace("{n}", n.toLocaleString(code));
  }

  // Queries of at most BATCH ids and QUERY_MAX characters each.
  function queries(ids) {
    const result = [];
    let parts = [], size = 0;
    for (const id of ids) {
      const part = `article_id=${encodeURIComponent(id).replace(/%2F/g, "/")}`; // "/" is allowed in a query
      if (parts.length === BATCH || (parts.length && size + part.length > QUERY_MAX)) {
        result.push(parts.join("&"));
        parts = [];
        size = 0;
      }
      parts.push(part);
      size += part.length + 1;
    }
    if (parts.length) result.push(parts.join("&"));
    return result;
  }

  function apiBase() {
    const api = SCRIPT?.dataset.api || (SCRIPT?.src ? new URL(".", SCRIPT.src).href : "");
    return new URL(api, document.baseURI).href.replace(/\/+$/, "");
  }

  async function update(root = document) {
    const lang = String(SCRIPT?.dataset.lang || document.documentElement.lang).toLowerCase().split(/[-_]/)[0];
    const label = labeller(lang), api = apiBase();
    const elements = [...root.querySelectorAll("[data-comment-count]")];
    const ids = [...new Set(elements.map((el) => el.dataset.commentCount))].filter(isArticleId);
    await Promise.all(queries(ids).map(async (query) => {
      try {
        const response = await fetch(`${api}/api/v1/counts?${query}`, { credentials: "omit" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const { counts } = await response.json();
        for (const el of elements) {
          const id = el.dataset.commentCount;
          // Text only: whatever an id or a count holds, it never becomes markup.
          if (Object.hasOwn(counts, id) && Number.isInteger(counts[id])) el.textContent = label(counts[id]);
        }
      } catch (error) {
        console.error(`[comments] comment counts could not be loaded (${error.message})`);
      }
    }));
  }

  window.ModerationCounts = { update };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => update());
  else update();
})();
