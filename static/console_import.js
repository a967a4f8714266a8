// Import of projects or judges from a CSV / XLSX file on the setup page: upload with dry_run=1, show a
// preview table with every row's errors next to it, and apply (dry_run=0) only when the file is clean.
// It does not edit rows by hand (setup.js does) and decides nothing: the server parses and validates.

import { api, ApiError } from './shared/api.js';
import { el } from './shared/dom.js';
import { bi, biNodes } from './shared/lang.js';
import { toast } from './console_ui.js';

const COLUMNS = {
  projects: [['id', '编号'], ['name', '项目名称'], ['organization', '申报机构'], ['community', '社区'], ['track', '赛道'],
    ['requested', '申请金额']],
  judges: [['id', '编号'], ['name', '姓名'], ['panel', '评审团']],
};

// box: the .import[data-kind] element; onApplied(snapshot) gets the contest after a successful import.
export function wireImport(box, cid, onApplied, countNow) {
  const kind = box.dataset.kind;
  const input = box.querySelector('input[type=file]');
  const preview = box.querySelector('.import-preview');

  async function send(dry) {
    const file = input.files[0];
    if (!file) {
      toast('请先选择文件 / choose a file first', 'bad');
      return null;
    }
    const form = new FormData();
    form.append('file', file);
    form.append('dry_run', dry ? '1' : '0');
    try {
      return { ok: true, data: await api('POST', `/api/contests/${encodeURIComponent(cid)}/import/${kind}`, form, { timeout: 60000 }) };
    } catch (e) {
      if (e instanceof ApiError && e.data && Array.isArray(e.data.errors)) return { ok: false, data: e.data };
      return { ok: false, data: { rows: [], errors: [{ row: '', field: '', message: e.message }] } };
    }
  }

  function render(result, file) {
    const { rows = [], errors = [] } = result;
    // the row the organizer sees in the file / sheet (blank lines and a title row count), as the server read it
    const fileRows = rows.map((_, i) => (result.file_rows || [])[i] ?? i + 2);
    const shown = new Set(fileRows);
    preview.hidden = false;
    preview.textContent = '';
    const byRow = new Map();
    const general = [];
    for (const err of errors) {
      if (typeof err.row === 'number' && shown.has(err.row)) {
        if (!byRow.has(err.row)) byRow.set(err.row, []);
        byRow.get(err.row).push(err);
      } else general.push(err);
    }
    const head = el('p', { class: errors.length ? 'preview-status bad' : 'preview-status ok' },
      ...(errors.length
        ? bi(`「${file.name}」有 ${errors.length} 处错误，请改正后重新选择文件。`, `“${file.name}”: ${errors.length} error(s): fix the file and choose it again.`, ' / ')
        : bi(`「${file.name}」共 ${rows.length} 行，没有错误。确认导入将替换现有的 ${countNow()} 条。`, `“${file.name}”: ${rows.length} rows, no errors; importing replaces the current ${countNow()}.`, ' / ')));
    preview.append(head);
    if ((result.notices || []).length) {  // the server's words on the 赛道 column: ranked together, or N tracks
      preview.append(el('ul', { class: 'preview-notices' }, result.notices.map((n) => el('li', { class: 'warn' }, ...biNodes(n)))));
    }
    if (general.length) {
      preview.append(el('ul', { class: 'preview-general' }, general.map((g) => el('li', { class: 'bad' },
        ...(g.row ? bi(`第 ${g.row} 行：`, `row ${g.row}: `, ' ') : []), ...biNodes(g.message)))));
    }
    if (rows.length) {
      const cols = COLUMNS[kind];
      const table = el('table', { class: 'table preview-table' },
        el('thead', {}, el('tr', {}, el('th', {}, ...biNodes('行 Row')), cols.map(([, zh]) => el('th', {}, zh)), el('th', {}, ...biNodes('问题 Problems')))),
        el('tbody', {}, rows.map((row, i) => {
          const n = fileRows[i];
          const errs = byRow.get(n) || [];
          const bad = new Set(errs.map((x) => x.field));
          return el('tr', { class: errs.length ? 'row-bad' : '', 'data-row': String(n) },
            el('td', { class: 'num' }, String(n)),
            cols.map(([key]) => el('td', { class: bad.has(key) ? 'cell-bad' : '' },
              row[`${key}_text`] ?? (row[key] === null || row[key] === undefined ? '' : String(row[key])))),
            el('td', { class: 'row-errors' }, errs.map((x) => el('div', {}, ...biNodes(x.message)))));
        })));
      preview.append(el('div', { class: 'table-wrap' }, table));
    }
    const apply = el('button', { class: 'btn', type: 'button', 'data-import': 'apply', disabled: errors.length > 0 },
      ...bi(`确认导入 ${rows.length} 行`, `Apply (${rows.length} rows)`));
    const cancel = el('button', { class: 'btn secondary', type: 'button' }, ...biNodes('取消 Cancel'));
    cancel.addEventListener('click', () => { preview.hidden = true; preview.textContent = ''; });
    apply.addEventListener('click', async () => {
      apply.disabled = true;
      const res = await send(false);
      if (res && res.ok && res.data.applied) {
        preview.hidden = true;
        preview.textContent = '';
        input.value = '';
        toast(`已导入 ${res.data.rows.length} 行 / imported ${res.data.rows.length} rows`);
        onApplied(res.data.contest);
      } else if (res) {
        render(res.data, file);
      }
    });
    preview.append(el('div', { class: 'actions-row' }, apply, cancel));
  }

  box.querySelector('[data-import=preview]').addEventListener('click', async () => {
    const file = input.files[0];
    const res = await send(true);
    if (res) render(res.data, file);
  });
  input.addEventListener('change', () => { preview.hidden = true; preview.textContent = ''; });
}
