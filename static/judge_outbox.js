// The judge's marks kept on the phone, and their delivery to the server.
//
// One record per roadshow (token + round + project) in localStorage:
//   values   what is typed in the form, as typed (kept on every keystroke, so a reload loses nothing)
//   editing  the judge pressed Amend (修改) and has not submitted the amendment yet
//   pending  {sid, marks, total, at}: submitted on the phone, not yet acknowledged by the server
//   saved    {sid, values, total, at}: the server acknowledged it (after its commit)
//   outcome  {kind, message, total}: these marks were NOT counted (scoring closed, refused …)
//   errors   the server's per-field messages from a 422
// A pending mark set is resent with the SAME submission id until the server answers, so a lost
// acknowledgement can never count twice.  Nothing here is ever marked saved without an answer 200.
// It does not render anything: judge.js reads the records and the `sending` set.

const TIMEOUT_MS = 12000;

function blank(project, round) {
  return { project, round, values: {}, editing: false, pending: null, saved: null, outcome: null, errors: null };
}

export class Records {
  constructor(token) {
    this.prefix = `rj:${token}:`;
    this.memory = new Map();   // used when the browser refuses localStorage (private mode, quota)
    this.persistent = probe();
  }

  key(project, round) { return `${this.prefix}${round}:${project}`; }

  get(project, round) {
    const k = this.key(project, round);
    let raw = null;
    if (this.persistent) {
      try { raw = localStorage.getItem(k); } catch { raw = null; }
    } else {
      raw = this.memory.get(k) ?? null;
    }
    if (!raw) return blank(project, round);
    try { return { ...blank(project, round), ...JSON.parse(raw) }; } catch { return blank(project, round); }
  }

  put(rec) {
    const k = this.key(rec.project, rec.round);
    const raw = JSON.stringify(rec);
    if (this.persistent) {
      try { localStorage.setItem(k, raw); return; } catch { this.persistent = false; }
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

// Sends pending mark sets one at a time; retries with backoff after a network failure or a 5xx.
export class Sender {
  constructor(token, records, { onChange, onInvalid }) {
    this.token = token;
    this.records = records;
    this.onChange = onChange;
    this.onInvalid = onInvalid;
    this.sending = new Set();   // record keys with a request in flight
    this.failures = 0;
    this.timer = null;
  }

  isSending(project, round) { return this.sending.has(this.records.key(project, round)); }

  flush() {
    clearTimeout(this.timer); this.timer = null;
    if (navigator.onLine === false) return;
    for (const rec of this.records.all()) {
      if (rec.pending && !this.isSending(rec.project, rec.round)) this.send(rec);
    }
  }

  retryLater() {
    if (this.timer) return;
    const delay = Math.min(20000, 2000 * 2 ** Math.min(this.failures, 4)) * (0.8 + Math.random() * 0.4);
    this.failures += 1;
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
      });
      body = await res.json().catch(() => ({}));
    } catch {
      res = null;   // offline, timeout, server unreachable: keep it pending
    } finally {
      clearTimeout(timeout);
      this.sending.delete(key);
    }
    this.settle(rec.project, rec.round, sid, res, body);
    this.onChange();
  }

  settle(project, round, sid, res, body) {
    if (res === null || res.status >= 500 || res.status === 408 || res.status === 429) {
      this.retryLater();
      return;
    }
    if (res.status === 401) { this.onInvalid(); return; }
    this.failures = 0;
    this.records.update(project, round, (r) => {
      if (!r.pending || r.pending.sid !== sid) return;   // the judge changed it meanwhile
      if (res.ok) {
        r.saved = { sid, values: body.values ?? r.pending.marks, total: body.total ?? r.pending.total, at: Date.now() };
        r.pending = null; r.editing = false; r.outcome = null; r.errors = null;
      } else if (res.status === 422 && body && body.errors && Object.keys(body.errors).length
                 && !('submission_id' in body.errors) && !('marks' in body.errors)) {
        r.errors = body.errors;
        r.pending = null; r.editing = true;
        r.outcome = null;
      } else {
        r.outcome = { kind: 'refused', message: (body && body.error) || `HTTP ${res.status}`, total: r.pending.total };
        r.pending = null;
      }
    });
  }
}
