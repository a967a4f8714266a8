// Console home: fills the rules-preset choice and creates a new contest, then opens its setup page; the
// contest list's duplicate and delete buttons are console_lifecycle.js; ends
// signed-in sessions from the "signed-in devices" list (one, or all others).  Both lists are rendered by
// the server (templates/console_index.html); after ending a session the page is reloaded to show the new list.  A lost session (the
// organizer key was rotated) sends the page to the sign-in form: on any request (shared/api.js), and when
// the organizer comes back to this tab.

import { api, signedOut } from './shared/api.js';
import { showFieldErrors, clearFieldErrors, toast, confirmDialog } from './console_ui.js';
import { wireContestList } from './console_lifecycle.js';
import { wireArchiveImport } from './console_archive.js';

const form = document.getElementById('new-contest');
const presetSelect = document.getElementById('new-preset');

async function loadPresets() {
  try {
    const { presets } = await api('GET', '/api/presets');
    presetSelect.textContent = '';
    for (const p of presets) {
      const opt = document.createElement('option');
      opt.value = p.file;
      opt.textContent = `${p.name}（${p.file}）`;
      if (p.file === 'expert_public.toml') opt.selected = true;
      presetSelect.append(opt);
    }
  } catch (e) {
    toast(e.message, 'bad');
  }
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFieldErrors(form);
  const name = form.elements.name.value.trim();
  if (!name) {
    showFieldErrors(form, { name: '请填写大赛名称 / the contest needs a name' });
    form.elements.name.focus();
    return;
  }
  const button = document.getElementById('create');
  button.disabled = true;
  try {
    const snap = await api('POST', '/api/contests', { name, rules_preset: presetSelect.value });
    location.href = `/console/${encodeURIComponent(snap.contest.id)}/setup`;
  } catch (e) {
    showFieldErrors(form, e.errors, e.message);
    button.disabled = false;
  }
});

loadPresets();
wireContestList(document.getElementById('contests'));  // duplicate and delete (console_lifecycle.js)
wireArchiveImport(document.getElementById('archive-import'));  // a contest from its JSON archive

// coming back to the tab (or to this page from the history): is the session still valid?  401 signs in again.
function checkSession() {
  api('GET', '/api/contests').catch(() => {});
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') checkSession(); });
window.addEventListener('pageshow', (ev) => { if (ev.persisted) checkSession(); });

// ------------------------------------------------------------------ signed-in devices
document.getElementById('sessions')?.addEventListener('click', async (ev) => {
  const btn = ev.target.closest('[data-end-session]');
  if (!btn) return;
  const own = btn.dataset.current === 'yes';
  const device = btn.closest('tr').querySelector('strong').textContent;
  const ok = await confirmDialog({
    title: own ? '退出本机登录？ Sign out this device?' : `让「${device}」退出？ End this session?`,
    body: own ? '本浏览器将回到登录页。 / This browser goes back to the sign-in page.'
      : '该设备需要重新输入组织者密钥才能再进入控制台。 / That device will need the organizer key to come back.',
    confirm: '退出 End', danger: true,
  });
  if (!ok) return;
  btn.disabled = true;
  try {
    const answer = await api('DELETE', `/api/sessions/${encodeURIComponent(btn.dataset.endSession)}`);
    if (answer.signed_out) { signedOut(); return; }
    location.reload();
  } catch (e) {
    toast(e.message, 'bad');
    btn.disabled = false;
  }
});

document.getElementById('end-others')?.addEventListener('click', async (ev) => {
  const btn = ev.currentTarget;
  const ok = await confirmDialog({
    title: '退出其他所有设备？ Sign out all other devices?',
    body: '除本机外，所有已登录的浏览器都要重新输入组织者密钥。 / Every other browser will need the organizer key again.',
    confirm: '全部退出 Sign out others', danger: true,
  });
  if (!ok) return;
  btn.disabled = true;
  try {
    const answer = await api('DELETE', '/api/sessions/others');
    location.reload();
  } catch (e) {
    toast(e.message, 'bad');
    btn.disabled = false;
  }
});
