// The setup page's branding section (#brand): the logo, the two colours, the sponsor line and the sponsor
// logos of the contest, through /api/contests/<cid>/brand (docs/API.md "Branding").
//
// What it does: loads the branding, uploads an image as the request body (the server checks and re-encodes
// it; its message, Chinese first, is shown when it refuses), removes it, saves the colours and the sponsor
// line (a colour the server refuses for its contrast comes back with the nearest usable one in the message).
// What it does not do: check an image or a colour itself (the server decides), or touch the rest of setup.
//
// Hooks for tests: #brand-logo[src], #brand-logo-file, #brand-primary, #brand-accent, #brand-sponsors,
// #brand-save, #brand-sponsor-list li[data-sha].

import { api, ApiError, csrf } from './shared/api.js';
import { $, esc } from './shared/dom.js';
import { toast, showFieldErrors, clearFieldErrors } from './console_ui.js';

const cid = document.querySelector('main[data-cid]')?.dataset.cid;
const section = $('brand');
const base = `/api/contests/${encodeURIComponent(cid)}/brand`;

function show(brand) {
  const logo = $('brand-logo');
  logo.hidden = !brand.logo;
  if (brand.logo) logo.src = brand.logo.url;
  else logo.removeAttribute('src');
  $('brand-logo-remove').hidden = !brand.logo;
  for (const key of ['primary', 'accent']) {
    $(`brand-${key}`).value = brand[key] || '';
    $(`brand-${key}-pick`).value = brand[key] || (key === 'primary' ? '#b3261e' : '#ffcf5a');
  }
  $('brand-sponsors').value = brand.sponsor_text || '';
  $('brand-sponsor-list').innerHTML = (brand.sponsors || []).map((s) => `<li data-sha="${esc(s.sha256)}">
    <img src="${esc(s.url)}" alt="" height="40"> <button class="btn secondary small" type="button" data-remove="${esc(s.sha256)}">删除
    <span class="en">Remove</span></button></li>`).join('');
}

function failed(e) {
  showFieldErrors(section, e instanceof ApiError ? e.errors : {}, e.message);
  toast(e.message, 'bad');
}

// An image goes as the body itself (not JSON): the server reads at most 2 MB of it.
async function upload(path, method, file) {
  clearFieldErrors(section);
  let res;
  let data = null;
  try {
    res = await fetch(path, { method, body: file, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf(), 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' } });
    data = await res.json();
  } catch {
    throw new ApiError(0, '网络连接失败，请检查网络后重试 / network error: check the connection and retry');
  }
  if (!res.ok) throw new ApiError(res.status, data?.error || `上传失败（${res.status}）/ upload failed`, data?.errors || {}, data);
  return data;
}

async function run(work, okMessage) {
  try {
    const data = await work();
    show(data.brand);
    clearFieldErrors(section);
    if (okMessage) toast(okMessage);
  } catch (e) { failed(e); }
}

if (section && cid) {
  run(() => api('GET', base));
  $('brand-logo-file').addEventListener('change', (ev) => {
    const file = ev.target.files[0];
    if (file) run(() => upload(`${base}/logo`, 'PUT', file), '标志已更新 / logo saved').finally(() => { ev.target.value = ''; });
  });
  $('brand-logo-remove').addEventListener('click', () => run(() => api('DELETE', `${base}/logo`), '标志已删除 / logo removed'));
  $('brand-sponsor-file').addEventListener('change', (ev) => {
    const file = ev.target.files[0];
    if (file) run(() => upload(`${base}/sponsors`, 'POST', file), '赞助单位标志已添加 / sponsor logo added').finally(() => { ev.target.value = ''; });
  });
  $('brand-sponsor-list').addEventListener('click', (ev) => {
    const sha = ev.target.closest('[data-remove]')?.dataset.remove;
    if (sha) run(() => api('DELETE', `${base}/sponsors/${sha}`), '已删除 / removed');
  });
  for (const key of ['primary', 'accent']) {
    $(`brand-${key}-pick`).addEventListener('input', (ev) => { $(`brand-${key}`).value = ev.target.value; });
  }
  $('brand-save').addEventListener('click', () => run(() => api('PATCH', base, {
    primary: $('brand-primary').value.trim(), accent: $('brand-accent').value.trim(),
    sponsor_text: $('brand-sponsors').value.trim() }), '配色与赞助单位已保存 / colours and sponsors saved'));
  $('brand-reset').addEventListener('click', () => run(() => api('PATCH', base, { primary: '', accent: '' }),
    '已恢复默认配色 / house colours restored'));
}
