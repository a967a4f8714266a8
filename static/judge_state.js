// The judge page's state and the marks kept on this phone, brought in line with the server's snapshots.
//
// What it does: holds ctx (language, the latest snapshot, the connection, which view is shown …) and the
// phone's records (judge_outbox.js Records, one per roadshow); reads the snapshot (the roadshow's project,
// the judge's active or voided marks on the server, the counted set) and reconcile() makes the records
// agree with it: 已保存 only for what the server counts, an acknowledgement a newer snapshot contradicts goes
// back to pending (same submission id), voided marks come back into the form once, finished roadshows are
// forgotten unless something is left to tell the judge.
// What it does not do: render (judge_task.js, judge_page.js), send (judge_outbox.js Sender, made by
// judge.js and kept in ctx.sender) or decide what the judge may do (the snapshot's task says it).

import { loadLang, translator } from './judge_i18n.js';
import { total as totalOf, sameValues, hasDraft, asText } from './judge_marks.js';
import { Records } from './judge_outbox.js';

export const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
// An acknowledgement and a snapshot generated just before the commit race each other: a snapshot that
// disagrees with an acknowledgement (not yet seen in any snapshot) counts only when it arrives this much later.
const ACK_GRACE_MS = 3000;

export const ctx = {
  lang: loadLang(),
  t: null,
  snap: null,
  conn: 'connecting',
  invalid: false,          // the server said the link is not valid: final
  sockSince: 0,            // when the live connection was last (re)opened (Date.now())
  viewKey: null,
  showErrors: new Set(),   // record keys whose client-side errors are visible (after a Submit attempt)
  dialog: null,            // {project, round} while the confirmation is open
  formError: '',
  snapAt: 0,               // when the latest snapshot arrived (Date.now())
  names: new Map(),        // project id -> name, from every running order seen
  nudgedAt: null,          // the organizer's last 请尽快提交 this phone vibrated for
  sender: null,            // the Sender delivering the records (judge.js)
};
ctx.t = translator(ctx.lang);

export const records = new Records(token);

export function project(id) {
  const s = ctx.snap;
  if (!s || !id) return null;
  if (s.current && s.current.id === id) return s.current;
  return (s.order || []).find((p) => p.id === id) || { id, name: ctx.names.get(id) || id };
}

// What the server holds for this judge and the task's roadshow (active or voided), or null.
export function serverMarks(task) {
  const m = ctx.snap && ctx.snap.my_marks;
  return m && task.project && m.project === task.project && m.round === task.round ? m : null;
}

export function myMarks(task) {
  const m = serverMarks(task);
  return m && m.status === 'active' ? m : null;
}

export function voidedMarks(task) {
  const m = serverMarks(task);
  return m && m.status === 'voided' ? m : null;
}

// The counted mark set: the server's active one, or this phone's acknowledged submission while the
// snapshot showing it is still on its way (reconcile() drops an acknowledgement a newer snapshot contradicts).
export function savedFor(task, rec) {
  const mine = myMarks(task);
  if (rec.saved && !(mine && mine.submission_id === rec.saved.sid)) return rec.saved;
  return mine;
}

// Typed on the phone and not submitted (or differing from what counts).
export function isDraft(rec, counted, rubric) {
  return !!rec.touched && hasDraft(rec.values) && !(counted && sameValues(rec.values, counted.values, rubric));
}

// Bring the records on the phone in line with what the server says (idempotent).
export function reconcile() {
  const s = ctx.snap;
  const task = s.task;
  const rubric = s.rubric;
  if (task.project && (task.kind === 'score' || task.kind === 'closed')) {
    const active = myMarks(task);
    const voided = voidedMarks(task);
    const rec = records.get(task.project, task.round);
    const was = JSON.stringify(rec);
    if (rec.pending && active && active.submission_id === rec.pending.sid) {
      // the server has it (its acknowledgement may have been lost on the way back)
      rec.saved = { sid: active.submission_id, values: active.values, total: active.total, at: Date.now(), seq: s.seq ?? null,
                    boot: s.boot ?? null };
      rec.pending = null; rec.editing = false; rec.outcome = null; rec.errors = null; rec.touched = false;
    }
    if (rec.saved && active && active.submission_id === rec.saved.sid && !rec.saved.seq) {
      rec.saved.seq = s.seq ?? null;
      rec.saved.boot = s.boot ?? null;
    }
    if (voided) {
      // the organizer voided these marks: they do not count, and resending them never brings them back
      if (rec.pending && rec.pending.sid === voided.submission_id) rec.pending = null;
      if (rec.saved && rec.saved.sid === voided.submission_id) { rec.saved = null; rec.editing = false; }
      if (rec.voidSeen !== voided.submission_id) {   // once: the form starts from the voided marks
        rec.voidSeen = voided.submission_id;
        if (!hasDraft(rec.values)) rec.values = asText(voided.values);
      }
    }
    if (task.kind === 'score' && rec.saved && !rec.pending && !(active && active.submission_id === rec.saved.sid)) {
      // A snapshot newer than the acknowledgement does not show it: do not trust the phone's copy.  Send it
      // again with the same id (the server keeps it once); its answer says whether it counts.
      // seq compares within one boot of the server; across boots the one the phone heard last is from the
      // newer run (a snapshot from the restarted server is newer than an acknowledgement from the old one).
      let newer;
      if (!rec.saved.seq) newer = ctx.snapAt - rec.saved.at > ACK_GRACE_MS;
      else if ((s.boot ?? null) === (rec.saved.boot ?? null)) newer = (s.seq ?? 0) > rec.saved.seq;
      else newer = ctx.snapAt > rec.saved.at;
      if (newer) {
        rec.pending = { sid: rec.saved.sid, marks: rec.saved.values, total: rec.saved.total, at: Date.now() };
        rec.saved = null;
      }
    }
    if (rec.outcome) {
      if (task.kind === 'closed') rec.outcome.open = false;   // seen closed: a reopening clears it
      else if (!rec.outcome.open) rec.outcome = null;          // scoring for it is open again: the judge can submit
    }
    if (task.kind === 'closed' && !rec.pending && !rec.outcome && isDraft(rec, active, rubric)) {
      rec.outcome = active
        ? { kind: 'amend', total: totalOf(rec.values, rubric), counted: active.total, open: false }
        : { kind: 'typing', total: totalOf(rec.values, rubric), open: false };
    }
    if (JSON.stringify(rec) !== was) records.put(rec);
  }
  // Finished roadshows: forget them once nothing is pending and nothing is left to tell the judge.  A draft
  // or an amendment never sent (the phone missed the closing, e.g. offline until the next presenter) is
  // reported as not counted instead of vanishing.
  for (const rec of records.all()) {
    if (task.project === rec.project && task.round === rec.round) continue;
    if (rec.pending || rec.outcome) continue;
    if (isDraft(rec, rec.saved, rubric)) {
      records.update(rec.project, rec.round, (r) => {
        r.outcome = r.saved
          ? { kind: 'amend', total: totalOf(r.values, rubric), counted: r.saved.total, open: false }
          : { kind: 'typing', total: totalOf(r.values, rubric), open: false };
      });
    } else {
      records.remove(rec.project, rec.round);
    }
  }
}

