// The JSON API as every page calls it: fetch with the session's CSRF header, a time limit, and errors as
// exceptions (ApiError: the server's message, Chinese first, its per-field errors and its body).  A lost
// organizer session (401) sends the page to the sign-in form and comes back afterwards.
// What it does not do: show anything (pages toast or list the error), retry (a page decides; every console
// action names its state version, so a retry is refused rather than applied twice), or open sockets (live.js).

export function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content || '';
}

export class ApiError extends Error {
  constructor(status, message, errors = {}, data = null) {
    super(message);
    this.status = status;     // 0: no answer (network down, or no answer within the time limit)
    this.errors = errors;
    this.data = data;
  }

  // no answer came back: the request may or may not have reached the server
  get network() { return this.status === 0; }

  // the action was for a state that has moved on (expect_version no longer matches): nothing was done
  get stale() { return this.status === 409 && !!this.data && this.data.code === 'stale'; }
}

export const API_TIMEOUT_MS = 10000;

// The session is gone (the organizer key was rotated, or the cookie expired): sign in again, then come back.
export function signedOut() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

// fetch + JSON + CSRF.  Resolves with the parsed body; rejects with ApiError (message Chinese first).
// A request without an answer within `timeout` ms is abandoned (status 0), so a dead link never leaves a
// page waiting for ever.  401 sends the page to the sign-in form.
export async function api(method, path, body, { timeout = API_TIMEOUT_MS } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: abort.signal };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf();
  if (body instanceof FormData || body instanceof Blob) opts.body = body;  // a Blob: sent as it is (its type)
  else if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['Content-Type'] = 'application/json';
  }
  let res;
  let data = null;
  try {
    res = await fetch(path, opts);
    try { data = await res.json(); } catch (e) { if (abort.signal.aborted) throw e; data = null; }
  } catch {
    throw new ApiError(0, abort.signal.aborted
      ? `服务器 ${Math.round(timeout / 1000)} 秒内没有应答，请检查网络 / no answer from the server within ${Math.round(timeout / 1000)} s: check the connection`
      : '网络连接失败，请检查网络后重试 / network error: check the connection and retry');
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) {
    let msg = data && typeof data.error === 'string' ? data.error : `请求失败（${res.status}）/ request failed (${res.status})`;
    if (res.status === 401) {
      msg = '登录已失效，请重新登录 / signed out: sign in again';
      signedOut();
    }
    const errors = data && data.errors && !Array.isArray(data.errors) ? data.errors : {};
    throw new ApiError(res.status, msg, errors, data);
  }
  return data;
}
