// Shared by the console pages (index, setup, live console, cards): fetch with the session's CSRF
// header, a time limit and API errors as exceptions (a lost session goes to the sign-in page), toasts,
// a confirmation dialog, per-field error display next to inputs, copy to clipboard, keeping keyboard
// focus across a re-render, and the Chinese/English names of the phases.
// It does not render any page: setup.js, console.js and console_index.js do.

export const PHASES = {
  setup: ['准备中', 'Setup'], idle: ['等待上台', 'Between roadshows'], presenting: ['路演中', 'Presenting'],
  scoring: ['评分中', 'Scoring open'], closed: ['评分已结束', 'Scoring closed'], result: ['公布结果', 'Result shown'],
  ranking: ['排名', 'Ranking'], reveal: ['颁奖', 'Awards'], locked: ['已锁定', 'Locked'],
};

export function phaseLabel(phase) {
  const p = PHASES[phase] || [phase, ''];
  return `${p[0]} ${p[1]}`.trim();
}

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
  if (body instanceof FormData) opts.body = body;
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

// ------------------------------------------------------------------ toasts
function toastBox() {
  let box = document.getElementById('toasts');
  if (!box) {
    box = document.createElement('div');
    box.id = 'toasts';
    box.className = 'toasts';
    box.setAttribute('aria-live', 'polite');
    document.body.append(box);
  }
  return box;
}

export function toast(message, kind = 'ok', ms = 4000) {
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.setAttribute('role', kind === 'bad' ? 'alert' : 'status');
  el.textContent = message;
  toastBox().append(el);
  setTimeout(() => el.remove(), kind === 'bad' ? Math.max(ms, 8000) : ms);
  return el;
}

// ------------------------------------------------------------------ dialogs
// A modal confirmation.  `check` adds a checkbox that must be ticked first (irreversible actions).
// Focus starts on Cancel so a stray Enter or space never confirms.  Resolves true / false.
// `onOpen(ctl)` gets a handle to keep the dialog current while it is open: ctl.body is the body element,
// ctl.block(message) shows why confirming is no longer possible and disables the confirm button for good.
export function confirmDialog({ title, body = '', bodyNode = null, confirm = '确认 Confirm', cancel = '取消 Cancel',
  danger = false, check = '', onOpen = null }) {
  return new Promise((resolve) => {
    const dlg = document.createElement('dialog');
    dlg.className = 'dlg';
    dlg.id = 'confirm-dialog';
    dlg.innerHTML = `<form method="dialog"><h2></h2><div class="dlg-body"></div>
      ${check ? '<label class="dlg-check"><input type="checkbox" id="confirm-check"> <span></span></label>' : ''}
      <div class="dlg-buttons"><button type="button" class="btn secondary" value="cancel" id="confirm-cancel"></button>
      <button type="button" class="btn ${danger ? 'danger' : ''}" value="ok" id="confirm-ok"></button></div></form>`;
    dlg.querySelector('h2').textContent = title;
    const bodyEl = dlg.querySelector('.dlg-body');
    if (bodyNode) bodyEl.append(bodyNode); else bodyEl.textContent = body;
    const ok = dlg.querySelector('#confirm-ok');
    const no = dlg.querySelector('#confirm-cancel');
    ok.textContent = confirm;
    no.textContent = cancel;
    let blocked = false;
    if (check) {
      const box = dlg.querySelector('#confirm-check');
      dlg.querySelector('.dlg-check span').textContent = check;
      ok.disabled = true;
      box.addEventListener('change', () => { ok.disabled = blocked || !box.checked; });
    }
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(value);
    };
    ok.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dlg.addEventListener('cancel', (ev) => { ev.preventDefault(); finish(false); });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
    if (onOpen) {
      onOpen({
        body: bodyEl,
        get open() { return !done; },
        block(message) {
          blocked = true;
          ok.disabled = true;
          let note = dlg.querySelector('.dlg-stale');
          if (!note) {
            note = el('p', { class: 'alert warn dlg-stale', role: 'alert' });
            dlg.querySelector('.dlg-buttons').before(note);
          }
          note.textContent = message;
        },
      });
    }
  });
}

export function dialogOpen() {
  return !!document.querySelector('dialog[open]');
}

// ------------------------------------------------------------------ field errors
// errors: {field: message}; fields are matched to elements with data-field="…" inside root.
// Errors without a matching element are listed in root's .form-errors box.  Returns the count shown.
export function showFieldErrors(root, errors, summary = '') {
  clearFieldErrors(root);
  const rest = [];
  for (const [field, message] of Object.entries(errors || {})) {
    const el = root.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (!el) { rest.push(`${field}: ${message}`); continue; }
    el.classList.add('invalid');
    el.setAttribute('aria-invalid', 'true');
    const note = document.createElement('span');
    note.className = 'field-error';
    note.textContent = message;
    el.insertAdjacentElement('afterend', note);
  }
  const box = root.querySelector('.form-errors');
  if (box && (rest.length || summary)) {
    box.hidden = false;
    box.textContent = '';
    if (summary) {
      const p = document.createElement('p');
      p.textContent = summary;
      box.append(p);
    }
    if (rest.length) {
      const ul = document.createElement('ul');
      for (const r of rest) {
        const li = document.createElement('li');
        li.textContent = r;
        ul.append(li);
      }
      box.append(ul);
    }
  }
  return Object.keys(errors || {}).length;
}

export function clearFieldErrors(root) {
  root.querySelectorAll('.field-error').forEach((e) => e.remove());
  root.querySelectorAll('.invalid').forEach((e) => { e.classList.remove('invalid'); e.removeAttribute('aria-invalid'); });
  const box = root.querySelector('.form-errors');
  if (box) { box.hidden = true; box.textContent = ''; }
}

// ------------------------------------------------------------------ clipboard
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

// Wire every [data-copy] button under root: copies its data-copy (absolute URL if it starts with /).
export function wireCopyButtons(root = document) {
  root.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('[data-copy]');
    if (!btn) return;
    ev.preventDefault();
    const raw = btn.dataset.copy;
    const text = raw.startsWith('/') ? location.origin + raw : raw;
    const ok = await copyText(text);
    const old = btn.dataset.label || btn.textContent;
    btn.dataset.label = old;
    btn.textContent = ok ? '已复制 Copied' : '复制失败 Copy failed';
    btn.classList.toggle('copied', ok);
    setTimeout(() => { btn.textContent = old; btn.classList.remove('copied'); }, 1800);
    if (!ok) toast(`复制失败，请手动复制 / copy failed, copy it by hand: ${text}`, 'bad');
  });
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'for' || k === 'title') node.setAttribute(k, v);
    else if (v === true) node.setAttribute(k, '');
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// ------------------------------------------------------------------ keeping focus across a re-render
// A selector naming `node` by its data-* attributes (and those of its nearest such ancestor inside `box`),
// so the same control can be found again after the section was rebuilt.  null if it has none.
function identity(node, box) {
  const part = (e) => {
    const attrs = [...e.attributes].filter((a) => a.name.startsWith('data-'));
    return attrs.length ? e.tagName.toLowerCase() + attrs.map((a) => `[${a.name}="${CSS.escape(a.value)}"]`).join('') : null;
  };
  const own = part(node);
  let up = node.parentElement;
  while (up && up !== box && !part(up)) up = up.parentElement;
  const outer = up && up !== box ? part(up) : null;
  if (!own) return outer;
  return outer ? `${outer} ${own}` : own;
}

// Rebuild `box` with `build()` only when `key` (a string of everything the section shows) changed, and
// give keyboard focus back to the control with the same data-* identity afterwards.  Returns whether it
// rebuilt.  A console update (a judge's phone connecting) thus never throws the operator's focus away.
const rendered = new WeakMap();
export function renderKept(box, key, build) {
  if (rendered.get(box) === key) return false;
  rendered.set(box, key);
  const active = document.activeElement;
  const sel = active && active !== box && box.contains(active) ? identity(active, box) : null;
  build();
  if (sel && !box.contains(document.activeElement)) {
    const again = box.querySelector(sel);
    if (again) again.focus({ preventScroll: true });
  }
  return true;
}
