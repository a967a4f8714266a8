// Console home: import a contest from its JSON archive (完整存档 JSON, exported from any server).  The file
// is sent as it is (POST /api/contests/import, ?as=<new id> when one is typed: a contest id is never reused);
// the answer names the imported contest and, for a stage of a season, what the server said about its
// season (import_warnings: the season's other stages are not here yet, or it was imported on its own).
// It checks nothing itself: the server reads and checks every part of the archive and says what is wrong.
// Hooks for tests: #archive-import, #archive-file, #archive-as, #archive-result, [data-import-warning].

import { api } from './shared/api.js';
import { el } from './shared/dom.js';
import { bi, biNodes } from './shared/lang.js';

export function wireArchiveImport(form) {
  if (!form) return;
  const file = form.querySelector('#archive-file');
  const asId = form.querySelector('#archive-as');
  const result = form.querySelector('#archive-result');
  const button = form.querySelector('button[type=submit]');

  function show(cls, ...children) {
    result.hidden = false;
    result.className = `archive-result alert ${cls}`;
    result.replaceChildren(...children);
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = file.files[0];
    if (!chosen) {
      show('bad', ...bi('请先选择存档文件（.json）', 'choose the archive file (.json) first', ' / '));
      return;
    }
    const as = asId.value.trim();
    button.disabled = true;
    show('info', ...bi('正在导入…', 'importing…', ' '));
    try {
      const path = '/api/contests/import' + (as ? `?as=${encodeURIComponent(as)}` : '');
      const snap = await api('POST', path, new Blob([await chosen.arrayBuffer()], { type: 'application/json' }),
        { timeout: 120000 });
      const c = snap.contest;
      const warnings = snap.import_warnings || [];
      show(warnings.length ? 'warn' : 'ok',
        el('p', {}, ...bi(`已导入「${c.name}」（${c.id}），评委已获得新的链接。`,
          `Imported “${c.name}” (${c.id}); its judges have new links.`), ' ',
        el('a', { href: `/console/${encodeURIComponent(c.id)}`, class: 'btn small' }, ...bi('打开控制台', 'Open console'))),
        warnings.length ? el('ul', { class: 'import-warnings' },
          warnings.map((w) => el('li', { 'data-import-warning': '' }, ...biNodes(w)))) : null);
      file.value = '';
    } catch (e) {
      show('bad', ...biNodes(e.message));
    } finally {
      button.disabled = false;
    }
  });
}
