/* The moderation API as the console calls it: every call is one a script
 * could make, with the token in the Authorization header and nowhere else. */
"use strict";

const KEY = "mc-console:token";
const BASE = "/api/v1/moderation";
let token = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || "network";
    this.fields = error?.fields || null;
  }
}

// Storage may throw (disabled, sandboxed, full): then the token lives in memory only.
function storages() {
  try { return [window.sessionStorage, window.localStorage]; } catch { return []; }
}

/** The token this tab or device kept, if any: sessionStorage, else a kept one in localStorage. */
export function restoreToken() {
  for (const storage of storages()) {
    try { token = token || storage.getItem(KEY); } catch { /* see storages() */ }
  }
  return !!token;
}

/** Keep the token for this tab only (sessionStorage), or on this device when asked. */
export function keepToken(value, onDevice) {
  forgetToken();
  token = value;
  const [session, local] = storages();
  try { (onDevice ? local : session)?.setItem(KEY, value); } catch { /* memory only */ }
}

/** Sign-out: the token is forgotten everywhere this page kept it. */
export function forgetToken() {
  token = null;
  for (const storage of storages()) {
    try { storage.removeItem(KEY); } catch { /* see storages() */ }
  }
}

export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** /api/v1/articles/a/b/... with each segment encoded, as the API's path converter expects. */
export function articlePath(articleId) {
  return articleId.split("/").map(encodeURIComponent).join("/");
}

async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: "omit", cache: "no-store", redirect: "error", ...options });
  } catch (error) {
    throw new ApiError(0, { code: "network", message: error.message });
  }
  if (response.status === 204 || response.status === 304) return { response, data: null };
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return { response, data };
}

/** One moderation call: call("POST", "/bulk", {body}); query is an object or URLSearchParams. */
export async function call(method, path, { body, query, etag } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-None-Match"] = etag;
  const search = query ? `?${new URLSearchParams(query)}` : "";
  try {
    const { response, data } = await send(`${BASE}${path}${search}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return etag === undefined ? data : { data, etag: response.headers.get("ETag"), isFresh: response.status === 200 };
  } catch (error) {
    if (error.status === 401) {
      forgetToken();
      onSignedOut("expired");
    }
    throw error;
  }
}

/** The public state of an article (closed or not): GET /api/v1/articles/{id}/comments, no token. */
export async function articleState(articleId) {
  const { data } = await send(`/api/v1/articles/${articlePath(articleId)}/comments?limit=1`, { method: "GET" });
  return data;
}

/** The action that sets a status (the undo of a move is the action of the status it left). */
export const ACTION_OF = { pending: "requeue", approved: "approve", rejected: "reject", spam: "spam" };
export const STATUS_OF = { requeue: "pending", approve: "approved", reject: "rejected", spam: "spam" };
