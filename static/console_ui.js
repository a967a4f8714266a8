// Widgets of the console pages (index, setup, live console, cards): toasts, a confirmation dialog,
// per-field error display next to inputs, copy to clipboard, the connection indicator.
// It does not render any page (setup.js, console.js and console_index.js do), call the API
// (shared/api.js) or build elements in general (shared/dom.js).

import { el } from './shared/dom.js';
import { setBi } from './shared/lang.js';

// ------------------------------------------------------------------ connection indicator
const CONN_TEXT = { connecting: '连接中 connecting', live: '已连接 live', reconnecting: '重新连接中… reconnecting',
  invalid: '登录已失效，请重新登录 signed out' };

// The console socket's status (live.js) on the page's indicator (#conn: its class and text).
export function showConn(node, status) {
  node.className = `conn ${status}`;
  setBi(node, CONN_TEXT[status] || status);
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
  setBi(el, message);
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
    setBi(dlg.querySelector('h2'), title);
    const bodyEl = dlg.querySelector('.dlg-body');
    if (bodyNode) bodyEl.append(bodyNode); else setBi(bodyEl, body);
    const ok = dlg.querySelector('#confirm-ok');
    const no = dlg.querySelector('#confirm-cancel');
    setBi(ok, confirm);
    setBi(no, cancel);
    let blocked = false;
    if (check) {
      const box = dlg.querySelector('#confirm-check');
      setBi(dlg.querySelector('.dlg-check span'), check);
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
          setBi(note, message);
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
    setBi(note, message);
    el.insertAdjacentElement('afterend', note);
  }
  const box = root.querySelector('.form-errors');
  if (box && (rest.length || summary)) {
    box.hidden = false;
    box.textContent = '';
    if (summary) {
      const p = document.createElement('p');
      setBi(p, summary);
      box.append(p);
    }
    if (rest.length) {
      const ul = document.createElement('ul');
      for (const r of rest) {
        const li = document.createElement('li');
        setBi(li, r);
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
    if (!btn.dataset.label) btn.dataset.label = btn.textContent;
    const old = btn.dataset.label;
    setBi(btn, ok ? '已复制 Copied' : '复制失败 Copy failed');
    btn.classList.toggle('copied', ok);
    setTimeout(() => { setBi(btn, old); btn.classList.remove('copied'); }, 1800);
    if (!ok) toast(`复制失败，请手动复制：${text} / copy failed, copy it by hand: ${text}`, 'bad');
  });
}
