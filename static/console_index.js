// Console home: fills the rules-preset choice and creates a new contest, then opens its setup page.
// The list of contests is rendered by the server (templates/console_index.html).  A lost session (the
// organizer key was rotated) sends the page to the sign-in form: on any request (console_api.js), and when
// the organizer comes back to this tab.

import { api, showFieldErrors, clearFieldErrors, toast } from './console_api.js';

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

// coming back to the tab (or to this page from the history): is the session still valid?  401 signs in again.
function checkSession() {
  api('GET', '/api/contests').catch(() => {});
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') checkSession(); });
window.addEventListener('pageshow', (ev) => { if (ev.persisted) checkSession(); });
