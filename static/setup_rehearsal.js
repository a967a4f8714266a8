// The setup page's rehearsal switch (彩排, issue 14): shows whether the contest is in rehearsal mode
// (GET …/lifecycle) and turns it on (only in setup) or off (refused while a test mark is left: the
// console's "reset to setup" comes first).  What it does not do: decide either (judging/app/lifecycle.py).

import { api } from './shared/api.js';
import { $ } from './shared/dom.js';
import { setBi } from './shared/lang.js';
import { toast } from './console_ui.js';

const cid = document.querySelector('main')?.dataset.cid;
const button = $('rehearsal-toggle');

function show(on) {
  button.dataset.on = on ? 'yes' : 'no';
  setBi(button, on ? '退出彩排模式 Leave rehearsal mode' : '开启彩排模式 Start rehearsal mode');
  $('rehearsal-on').hidden = !on;
}

async function load() {
  try {
    show((await api('GET', `/api/contests/${encodeURIComponent(cid)}/lifecycle`)).rehearsal);
  } catch (e) {
    toast(e.message, 'bad');
  }
}

button?.addEventListener('click', async () => {
  const on = button.dataset.on !== 'yes';
  button.disabled = true;
  try {
    const snap = await api('POST', `/api/contests/${encodeURIComponent(cid)}/rehearsal`, { on });
    show(snap.contest.rehearsal);
    toast(on ? '已开启彩排模式 / rehearsal mode is on' : '已退出彩排模式 / rehearsal mode is off');
  } catch (e) {
    toast(e.message, 'bad', 10000);
  } finally {
    button.disabled = false;
  }
});

if (cid && button) load();
