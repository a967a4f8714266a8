// The console's rehearsal banner (彩排, issue 14): shown while the contest is in rehearsal mode (the
// snapshot's contest.rehearsal), with "reset to setup" (the contest id typed: every test mark and the live
// state go, the setup and links stay) and "leave rehearsal mode" (the server refuses while a test mark is
// left: reset first).  The fresh state arrives over the console's socket like any other change.
// What it does not do: decide whether a reset or leaving is allowed (judging/app/lifecycle.py does).

import { api } from './shared/api.js';
import { $ } from './shared/dom.js';
import { toast } from './console_ui.js';
import { typedConfirm } from './console_lifecycle.js';

let shown = null;

export function renderRehearsal(s) {
  shown = s;
  const banner = $('rehearsal-banner');
  if (banner) banner.hidden = !s.contest.rehearsal;
}

async function post(path, body) {
  try {
    await api('POST', `/api/contests/${encodeURIComponent(shown.contest.id)}/${path}`, body);
    return true;
  } catch (e) {
    toast(e.message, 'bad', 10000);
    return false;
  }
}

$('rehearsal-reset')?.addEventListener('click', async () => {
  if (!shown) return;
  const cid = shown.contest.id;
  const ok = await typedConfirm({
    cid, title: '彩排结束：重置到准备阶段？ Reset the rehearsal to setup?',
    body: '删除所有测试评分和提交记录，比赛回到准备阶段；设置、评分规则和评委链接保留，审计日志记录这次重置。'
      + ' Every test mark and submission is removed and the contest goes back to setup; the setup, rules and'
      + ' judge links stay, and the audit log records the reset.',
    confirm: '重置 Reset',
  });
  if (ok && await post('reset', { confirm: cid })) toast('已重置到准备阶段 / reset to setup');
});

$('rehearsal-leave')?.addEventListener('click', async () => {
  if (shown && await post('rehearsal', { on: false })) toast('已退出彩排模式 / rehearsal mode is off');
});
