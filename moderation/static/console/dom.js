/* DOM helpers of the moderation console: elements from attributes and text
 * only (nothing here parses HTML but body(), the one sink for the body_html
 * that the server sanitised on write), identicons, times. */
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value != null && value !== false) el.setAttribute(key, value === true ? "" : value);
  }
  return el;
}

/** Append nodes and strings (as text) to el; null, undefined and false are left out. */
export function add(el, ...kids) {
  el.append(...kids.flat().filter((kid) => kid != null && kid !== false));
  return el;
}

/** h("p", {class: "mc-note", text: "..."}, ...children), children as add() takes them. */
export function h(tag, attrs, ...kids) {
  return add(setAttrs(document.createElement(tag), attrs), ...kids);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A comment's body as readers see it (API.md "Body sanitisation": sanitised once, on write). */
export function body(comment) {
  const el = h("div", { class: "mc-body" });
  el.innerHTML = comment.body_html;
  // Its links are the author's: they open apart from the console, and learn nothing of it.
  for (const link of el.querySelectorAll("a[href]")) link.setAttribute("target", "_blank");
  return el;
}

/** author.avatar (an HMAC, never the address) drawn as the widget draws it: no request anywhere. */
export function identicon(key) {
  const hex = /^[0-9a-f]{16}$/i.test(key || "") ? key : "0".repeat(16);
  const cells = parseInt(hex.slice(0, 4), 16), hue = parseInt(hex.slice(4, 8), 16) % 360;
  let path = "";
  for (let i = 0; i < 15; i++) {
    const x = Math.floor(i / 5), y = i % 5; // columns 0-2, mirrored onto 4-3
    if (cells & (1 << i)) path += `M${x} ${y}h1v1h-1zM${4 - x} ${y}h1v1h-1z`;
  }
  const icon = setAttrs(document.createElementNS(SVG, "svg"), { viewBox: "-1 -1 7 7", class: "mc-avatar", "aria-hidden": "true" });
  icon.append(setAttrs(document.createElementNS(SVG, "path"), { d: path, fill: `hsl(${hue} 55% 52%)` }));
  return icon;
}

const UNITS = [["year", 31536e3], ["month", 2592e3], ["day", 864e2], ["hour", 3600], ["minute", 60], ["second", 1]];

/** <time> saying how long ago, with the exact moment as its title. */
export function ago(iso, lang) {
  const date = new Date(iso);
  if (isNaN(date)) return null;
  const seconds = Math.min(0, (date - Date.now()) / 1000); // clock skew: never "in 2 seconds"
  const [unit, size] = UNITS.find(([, s]) => Math.abs(seconds) >= s) || UNITS[5];
  const text = new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(Math.round(seconds / size), unit);
  const title = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }).format(date);
  return h("time", { datetime: iso, title, text });
}

/** True for a key press meant for a field, not for the console's shortcuts. */
export function isTyping(event) {
  const target = event.target;
  return target instanceof Element && !!target.closest("input, textarea, select, [contenteditable]");
}

/** An http(s) URL as a link that leaves the console; anything else as text. */
export function outLink(url, text) {
  return /^https?:\/\//i.test(url || "")
    ? h("a", { href: url, rel: "nofollow noopener noreferrer", target: "_blank", text })
    : h("span", { text });
}
