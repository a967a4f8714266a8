// The judge's marks kept on the phone, and their delivery to the server.
//
// One record per roadshow (token + round + project) in localStorage:
//   values   what is typed in the form, as typed (kept on every keystroke, so a reload loses nothing)
//   touched  the judge typed since the last submission (an unsent draft or amendment)
//   editing  the judge pressed Amend (修改) and has not submitted the amendment yet
//   pending  {sid, marks, total, at, full}: submitted on the phone, not yet acknowledged by the server;
//            full = the server's message when its last answer was 503 disk_full (NOT saved, resent later)
//   saved    {sid, values, total, at, seq, boot}: the server acknowledged exactly this submission id with
//            status 'saved' as the counted set; seq = the acknowledgement's seq (or the first snapshot that
//            showed it; null until then), boot = the server run that seq belongs to
//   outcome  {kind, message, total, open}: these marks were NOT counted (scoring closed, refused,
//            superseded …); open = scoring for the roadshow was open when it was recorded
//   errors   the server's per-field messages from a 422
// A pending mark set is resent with the SAME submission id until the server answers, so a lost
// acknowledgement can never count twice.  Only a JSON answer from the server itself (not a redirect,
// not a captive portal's login page) that names the submission id settles it; anything else keeps it
// pending and is retried with capped backoff.
// It does not render anything and does not read snapshots: judge.js reads the records, checks them
// against the server's snapshots, and asks isOpen() whether a roadshow's scoring is open.

import { asText, hasDraft } from './judge_marks.js';

const TIMEOUT_MS = 12000;
const HURRY_MS = 1000;

function blank(project, round) {
  return { project, round, values: {}, touched: false, editing: false, pending: null, saved: null, outcome: null,
           errors: null };
}

export class Records {
  constructor(token) {
    this.prefix = `rj:${token}:`;
    // After the browser refuses to store (private mode, quota) records live here; reads look here first and
    // then in localStorage, so records stored before the refusal are still seen (and never taken for empty).
    this.memory = new Map();
    this.persistent = probe();
  }

  key(project, round) { return `${this.prefix}${round}:${project}`; }

  get(project, round) {
    const k = this.key(project, round);
    let raw = this.memory.get(k) ?? null;
    if (raw === null) {
      try { raw = localStorage.getItem(k); } catch { raw = null; }
    }
    if (!raw) return blank(project, round);
    try { return { ...blank(project, round), ...JSON.parse(raw) }; } catch { return blank(project, round); }
  }

  put(rec) {
    const k = this.key(rec.project, rec.round);
    const raw = JSON.stringify(rec);
    if (this.persistent) {
      try { localStorage.setItem(k, raw); this.memory.delete(k); return; } catch { this.persistent = false; }
    }
    this.memory.set(k, raw);
  }

  update(project, round, change) {
    const rec = this.get(project, round);
    change(rec);
    this.put(rec);
    return rec;
  }

  remove(project, round) {
    const k = this.key(project, round);
    this.memory.delete(k);
    try { localStorage.removeItem(k); } catch { /* nothing stored */ }
  }

  all() {
    const keys = new Set(this.memory.keys());
    try {
      for (let i = 0; i < localStorage.length; i += 1) {
        const k = localStorage.key(i);
        if (k && k.startsWith(this.prefix)) keys.add(k);
      }
    } catch { /* memory only */ }
    const out = [];
    for (const k of keys) {
      const rest = k.slice(this.prefix.length);
      const cut = rest.indexOf(':');
      if (cut > 0) out.push(this.get(rest.slice(cut + 1), rest.slice(0, cut)));
    }
    return out;
  }
}

function probe() {
  try {
    const k = 'rj:probe';
    localStorage.setItem(k, '1');
    localStorage.removeItem(k);
    return true;
  } catch {
    return false;
  }
}

// A JSON object from our own server (every answer of /api/judge/* is one).
function fromServer(body) {
  return !!body && typeof body === 'object' && !Array.isArray(body);
}

// Sends pending mark sets; retries with capped exponential backoff after a network failure, a 5xx, a
// redirect or an answer that is not the server's.  Resends are bounded: a snapshot or a reconnect does
// not skip the backoff (a reconnect may shorten it once per failure); only the judge's Retry does.
export class Sender {
  constructor(token, records, { onChange, onInvalid, isOpen = () => true }) {
    this.token = token;
    this.records = records;
    this.onChange = onChange;
    this.onInvalid = onInvalid;
    this.isOpen = isOpen;
    this.sending = new Set();   // record keys with a request in flight
    this.failures = 0;
    this.timer = null;          // the backoff: while it runs, only it (or the judge) sends
    this.hurried = false;
    this.stopped = false;
  }

  isSending(project, round) { return this.sending.has(this.records.key(project, round)); }

  get backingOff() { return !!this.timer; }

  // The link is no longer valid: nothing more is sent (the marks stay on the phone).
  stop() {
    this.stopped = true;
    clearTimeout(this.timer); this.timer = null;
  }

  // now: the judge asked (Retry, a new submission) -> skip the backoff.
  // soon: the network or the live connection came back -> shorten the backoff to ~1 s, once per failure.
  flush({ now = false, soon = false } = {}) {
    if (this.stopped) return;
    if (this.timer) {
      if (!now) {
        if (soon && !this.hurried) {
          this.hurried = true;
          clearTimeout(this.timer);
          this.timer = setTimeout(() => { this.timer = null; this.flush(); }, HURRY_MS);
        }
        return;
      }
      clearTimeout(this.timer); this.timer = null;
    }
    if (navigator.onLine === false) return;
    for (const rec of this.records.all()) {
      if (rec.pending && !this.isSending(rec.project, rec.round)) this.send(rec);
    }
  }

  retryLater() {
    if (this.timer || this.stopped) return;
    const delay = Math.min(20000, 2000 * 2 ** Math.min(this.failures, 4)) * (0.8 + Math.random() * 0.4);
    this.failures += 1;
    this.hurried = false;
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, delay);
  }

  async send(rec) {
    const key = this.records.key(rec.project, rec.round);
    const sid = rec.pending.sid;
    this.sending.add(key);
    this.onChange();
    let res = null;
    let body = null;
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      res = await fetch('/api/judge/submit', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ submission_id: sid, project: rec.project, round: rec.round, marks: rec.pending.marks }),
        signal: abort.signal,
        cache: 'no-store',
        redirect: 'error',   // a captive portal's redirect to its login page is a failure, never an answer
      });
      body = await res.json().catch(() => null);
    } catch {
      res = null;   // offline, timeout, redirected, server unreachable: keep it pending
    } finally {
      clearTimeout(timeout);
      this.sending.delete(key);
    }
    if (!this.stopped) this.settle(rec.project, rec.round, sid, res, body);
    this.onChange();
  }

  settle(project, round, sid, res, body) {
    const ours = fromServer(body);
    if (res && res.status === 401 && ours && typeof body.error === 'string') {
      this.stop();
      this.onInvalid();
      return;
    }
    const acked = !!res && res.ok && !res.redirected && ours && body.status === 'saved' && body.submission_id === sid;
    const refused = !!res && res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
      && ours && typeof body.error === 'string';
    if (!acked && !refused) {   // a 5xx, a portal's page, an answer about another submission: try again later
      if (res && res.status === 503 && ours && body.code === 'disk_full' && typeof body.error === 'string') {
        // the server refused to store it (disk full, rolled back): still pending, say so, resend later
        this.records.update(project, round, (r) => {
          if (r.pending && r.pending.sid === sid) r.pending.full = body.error;
        });
      }
      this.retryLater();
      return;
    }
    this.failures = 0;
    const open = !!this.isOpen(project, round);
    this.records.update(project, round, (r) => {
      if (!r.pending || r.pending.sid !== sid) return;   // the judge changed it meanwhile
      const sent = r.pending;
      r.pending = null;
      r.errors = null;
      if (acked && body.current !== false) {
        // body.seq: snapshots numbered higher were built after the commit, so they show these marks while they count
        r.saved = { sid, values: body.values ?? sent.marks, total: body.total ?? sent.total, at: Date.now(),
                    seq: typeof body.seq === 'number' ? body.seq : null,
                    boot: typeof body.boot === 'string' ? body.boot : null };
        r.editing = false; r.outcome = null; r.touched = false;
      } else if (acked) {
        // stored once, but not the counted set any more (a newer submission, or voided/corrected since)
        r.saved = null; r.editing = false; r.touched = false;
        r.values = asText(sent.marks);
        r.outcome = { kind: 'superseded', total: sent.total, open };
      } else if (res.status === 422 && body.errors && typeof body.errors === 'object' && Object.keys(body.errors).length
                 && !('submission_id' in body.errors) && !('marks' in body.errors)) {
        r.errors = body.errors;
        r.editing = true; r.touched = true;
        r.outcome = null;
        if (!hasDraft(r.values)) r.values = asText(sent.marks);
      } else {
        r.outcome = { kind: 'refused', message: body.error, total: sent.total, open };
        if (!hasDraft(r.values)) r.values = asText(sent.marks);
      }
    });
  }
}
