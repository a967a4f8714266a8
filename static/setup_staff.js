// The setup page's staff section: the organizer lists the contest's staff (hall operators, scorekeepers,
// viewers), adds one (name + role: the server answers with its key, login link and QR code, shown here this
// once and never again) and revokes one (its key stops working, its signed-in consoles are signed out).
// It decides nothing: who may do what is the server's role table (judging/core/roles.py); the labels come
// from the server too.

import { api } from './shared/api.js';
import { $, el } from './shared/dom.js';
import { bi, biNodes } from './shared/lang.js';
import { clearFieldErrors, confirmDialog, showFieldErrors, toast, wireCopyButtons } from './console_ui.js';

const cid = document.querySelector('main').dataset.cid;
const base = `/api/contests/${encodeURIComponent(cid)}/staff`;

function render(staff) {
  $('staff-empty').hidden = staff.length > 0;
  $('staff-table').hidden = staff.length === 0;
  $('staff-table').querySelector('tbody').replaceChildren(...staff.map((m) => el('tr', { 'data-staff': m.id },
    el('td', {}, m.name), el('td', {}, ...biNodes(m.role_label)), el('td', { class: 'num' }, String(m.sessions)),
    el('td', {}, el('button', { type: 'button', class: 'btn secondary small', 'data-revoke': m.id, 'data-name': m.name },
      ...bi('撤销', 'Revoke'))))));
}

// the key, the login link and its QR code: this answer is the only time the server ever gives them
function showNew(res) {
  const box = $('staff-new');
  box.hidden = false;
  box.replaceChildren(
    el('p', {}, el('strong', {}, ...bi(`已添加 ${res.member.name}（${res.member.role_label}）`, '')),
      ' ', ...bi('密钥和登录链接只显示这一次，请现在发给本人或扫码；丢失后请撤销并重新添加。',
        'The key and login link are shown this once: send them now or let them scan; if lost, revoke and add again.', ' / ')),
    el('img', { class: 'staff-qr', src: res.qr, alt: `登录二维码 login QR code: ${res.member.name}`, width: 180, height: 180 }),
    el('p', {}, ...bi('登录链接', 'Login link'), '：', el('code', { id: 'staff-link' }, res.link), ' ',
      el('button', { type: 'button', class: 'btn secondary small', 'data-copy': res.link }, ...bi('复制', 'Copy'))),
    el('p', {}, ...bi('密钥', 'Key'), '：', el('code', { id: 'staff-key' }, res.key)));
}

async function load() {
  try {
    render((await api('GET', base)).staff);
  } catch (e) {
    toast(e.message, 'bad');
  }
}

$('staff-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = $('staff-form');
  clearFieldErrors(form);
  try {
    const res = await api('POST', base, { name: $('staff-name').value.trim(), role: $('staff-role').value });
    $('staff-name').value = '';
    showNew(res);
    render(res.staff);
  } catch (e) {
    showFieldErrors(form, e.errors, e.message);
  }
});

$('staff-table').addEventListener('click', async (ev) => {
  const b = ev.target.closest('[data-revoke]');
  if (!b) return;
  const go = await confirmDialog({ title: `撤销 ${b.dataset.name}？ Revoke ${b.dataset.name}?`,
    body: '其密钥和登录链接立即失效，已登录的设备会被退出。/ The key and login link stop working at once; signed-in devices are signed out.',
    confirm: '撤销 Revoke', danger: true });
  if (!go) return;
  try {
    const res = await api('DELETE', `${base}/${encodeURIComponent(b.dataset.revoke)}`);
    render(res.staff);
    toast(`已撤销 ${b.dataset.name} / revoked`);
  } catch (e) {
    toast(e.message, 'bad');
  }
});

wireCopyButtons($('staff-new'));
load();
