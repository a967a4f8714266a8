// The audience's phone page (观众端, /a/<token>): follows the audience snapshots of /ws/a/<token> (docs/AUDIENCE.md),
// shows the contest, the roadshow on stage, the score window's stars (1..stars), the popularity vote (up to
// `choices` projects) and this phone's own ballot ("已投票，可修改"); ballots go through audience_ballots.js
// (kept on the phone, resent with the same ballot_id until acknowledged).  Strict mode asks for the 选票码 once.
//
// Stable hooks for tests:
//   #app[data-view]   connecting | live | invalid          #conn[data-status]  connecting|live|reconnecting|invalid
//   #on-stage-name    the project on stage ("暂无项目路演" when none)
//   #score[data-state]       none (no window) | open | closed; #stars button[data-stars][aria-pressed]
//   #score-mine[data-state], #pop-mine[data-state]   none | pending | saved | error  (the phone's ballot)
//   #popularity[data-state]  idle | open | closed; #pop-list input[data-project]; #pop-vote
//   #code-form (strict mode), #code-input, #code-error
// What it does not do: decide anything (the server says which window is open, what counts and what is refused).

import { connect } from './live.js';
import { $, el } from './shared/dom.js';
import { setBi } from './shared/lang.js';
import { Ballots } from './audience_ballots.js';

const W = JSON.parse($('aud-words').textContent);
const app = $('app');
const token = app.dataset.token;
let snap = null;
let conn = 'connecting';
let picked = null;       // the popularity choice being made: a Set of project ids, or null (shows the ballot's)
let codeBusy = false;

const ballots = new Ballots(token, () => render());

// A ballot's choice as the server or the phone keeps it: {stars} | {projects} (the server's under `value`).
const choiceOf = (rec) => { const b = rec.pending || rec.saved; return (b && (b.value || b)) || {}; };

function word(key, k = '') { return (W[key] || key).replaceAll('{k}', k); }

// Several "中文 / English" texts as one: the Chinese parts joined, then the English parts ("投票中 · 最多选 3 个 / Voting open · …").
function joined(...texts) {
  const parts = texts.filter(Boolean).map((t) => t.split(' / '));
  return `${parts.map((p) => p[0]).join(' · ')} / ${parts.map((p) => p[1] || p[0]).join(' · ')}`;
}
const counted = (n) => (n ? `${n} ${word('count').split(' / ')[0]} / ${n} ${word('count').split(' / ')[1]}` : '');

function onState(s) {
  if (snap && s.boot === snap.boot && typeof s.seq === 'number' && s.seq <= snap.seq) return;  // an older one
  snap = s;
  render();
  ballots.flush();
}

function onStatus(status) {
  conn = status;
  if (status === 'live') ballots.flush(null, true);
  render();
}

// ------------------------------------------------------------------ rendering

function mineState(rec, open) {
  if (rec.pending) return ['pending', word(navigator.onLine === false ? 'offline' : 'sending')];
  if (rec.error) return ['error', rec.error.message];
  if (rec.saved) return ['saved', word(open ? 'voted' : 'voted_final')];
  return ['none', ''];
}

// The phone's ballot: its state in words, then what it chose ("4 ★", the projects' names).
function showMine(node, rec, open, what) {
  const [state, text] = mineState(rec, open);
  node.dataset.state = state;
  setBi(node, text);
  if (what && state !== 'error' && state !== 'none') node.append(' ', el('b', { class: 'mine-what', text: what }));
}

function renderScore(s, blocked) {
  const box = $('score');
  const w = s.window && s.window.kind === 'score' ? s.window : null;
  box.hidden = !w;
  const state = w ? (w.open ? 'open' : 'closed') : 'none';
  box.dataset.state = state;
  setBi($('score-state'), joined(word(state === 'none' ? 'not_open' : state), counted(w && w.count)));
  const stars = $('stars');
  const n = w ? w.stars : 0;
  const key = `${w ? w.id : ''}:${n}`;
  if (stars.dataset.key !== key) {
    stars.dataset.key = key;
    stars.style.setProperty('--cols', n > 5 ? 5 : n || 1);
    stars.replaceChildren(...Array.from({ length: n }, (_, i) => el('button', {
      type: 'button', class: 'star', 'data-stars': String(i + 1), 'aria-label': `${i + 1} ${word('stars')}`,
    }, el('span', { class: 'star-glyph', 'aria-hidden': 'true', text: '★' }), el('span', { class: 'star-n num', text: String(i + 1) }))));
  }
  const rec = w ? ballots.get(w.id) : { pending: null, saved: null, error: null };
  const chosen = choiceOf(rec).stars || 0;
  for (const b of stars.children) {
    const v = Number(b.dataset.stars);
    b.disabled = !w || !w.open || blocked;
    b.setAttribute('aria-pressed', String(v === chosen));
    b.classList.toggle('lit', v <= chosen);
  }
  showMine($('score-mine'), rec, w && w.open, chosen ? `${chosen} ★` : '');
}

function renderPopularity(s, blocked) {
  const p = s.popularity;
  const box = $('popularity');
  box.hidden = !p || p.state === 'idle';
  if (!p) return;
  box.dataset.state = p.state;
  const open = p.state === 'open' && !blocked;
  const rec = ballots.get('popularity');
  const mine = choiceOf(rec).projects || [];
  const chosen = picked || new Set(mine);
  setBi($('pop-state'), joined(word(p.state === 'open' ? 'open' : 'closed'), p.state === 'open' && word('choose', p.choices),
                               counted(p.count)));
  const list = $('pop-list');
  const key = (p.projects || []).map((x) => `${x.id}\u0001${x.name}`).join('\u0002');
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...(p.projects || []).map((x, i) => el('li', {},
      el('input', { type: 'checkbox', id: `pp-${i}`, 'data-project': x.id }),
      el('label', { for: `pp-${i}`, text: x.name }))));
  }
  for (const input of list.querySelectorAll('input')) {
    input.checked = chosen.has(input.dataset.project);
    input.disabled = !open || (!input.checked && chosen.size >= p.choices);
  }
  const same = mine.length === chosen.size && mine.every((x) => chosen.has(x));
  const vote = $('pop-vote');
  vote.disabled = !open || !chosen.size || same;
  setBi(vote, word(mine.length ? 'change' : 'vote'));
  const names = new Map((p.projects || []).map((x) => [x.id, x.name]));
  showMine($('pop-mine'), rec, p.state === 'open', mine.map((x) => names.get(x) || x).join('、'));
}

function render() {
  const view = conn === 'invalid' ? 'invalid' : snap ? 'live' : 'connecting';
  app.dataset.view = view;
  $('conn').dataset.status = conn;
  setBi($('conn-text'), word(conn));
  if (!snap) return;
  const s = snap;
  if (s.contest && s.contest.name) $('contest-name').textContent = s.contest.name;
  setBi($('on-stage-name'), s.on_stage ? s.on_stage.name : word('nobody'));
  const needCode = !!s.strict && !ballots.codeDone;
  $('code-form').hidden = !needCode;
  renderScore(s, needCode || view === 'invalid');
  renderPopularity(s, needCode || view === 'invalid');
  const voting = !$('score').hidden || !$('popularity').hidden;
  $('idle-note').hidden = voting || needCode;
}

// ------------------------------------------------------------------ input

$('stars').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-stars]');
  const w = snap && snap.window;
  if (!b || b.disabled || !w || !w.open) return;
  ballots.choose(w.id, { stars: Number(b.dataset.stars) });
});

$('pop-list').addEventListener('change', (ev) => {
  const input = ev.target.closest('input[data-project]');
  if (!input || !snap || !snap.popularity) return;
  if (!picked) {
    const rec = ballots.get('popularity');
    picked = new Set(choiceOf(rec).projects || []);
  }
  if (input.checked && picked.size < snap.popularity.choices) picked.add(input.dataset.project);
  else picked.delete(input.dataset.project);
  render();
});

$('pop-vote').addEventListener('click', () => {
  if (!picked || !picked.size || !snap || !snap.popularity || snap.popularity.state !== 'open') return;
  const order = (snap.popularity.projects || []).map((x) => x.id).filter((x) => picked.has(x));
  picked = null;
  ballots.choose('popularity', { projects: order });
});

$('code-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const code = $('code-input').value.replace(/\s+/g, '').toUpperCase();
  const err = $('code-error');
  if (!code) { err.hidden = false; setBi(err, word('code_empty')); return; }
  if (codeBusy) return;
  codeBusy = true;
  $('code-ok').disabled = true;
  const r = await ballots.useCode(code);
  codeBusy = false;
  $('code-ok').disabled = false;
  err.hidden = !!r.ok;
  if (!r.ok) setBi(err, r.message);
  render();
  if (r.ok) ballots.flush(null, true);
});

window.addEventListener('online', () => { ballots.flush(null, true); render(); });
window.addEventListener('offline', () => render());

// ------------------------------------------------------------------ start
try { onState(JSON.parse($('aud-initial').textContent)); } catch { render(); }  // the snapshot the page came with
connect(`/ws/a/${encodeURIComponent(token)}`, { onState, onStatus, type: 'audience' });
ballots.ensureDevice().then(() => ballots.loadMine()).then(() => ballots.flush());
