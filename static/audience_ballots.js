// The audience phone's credential and ballots, and their delivery (docs/AUDIENCE.md "One phone, one ballot").
//
// The device credential: kept in localStorage (aud:<token>:device) and, by the server, as a cookie; checked
// with POST /api/a/<token>/device {device} on start, a new one asked for with {} when there is none or the
// server refuses it.  Every ballot carries it (X-Audience-Device).
// The ballots: one record per window in localStorage (aud:<token>:b:<window id>):
//   pending  {ballot_id, stars | projects}: chosen on the phone, not yet acknowledged; resent with the SAME
//            ballot_id after a Wi-Fi drop or a reload until the server answers (a resend is acknowledged
//            without a change, never counted twice); a newer choice replaces it with a new ballot_id
//   saved    {stars | projects}: the server acknowledged it (or /me says so)
//   error    {message, code}: the server refused the last choice (window closed, bad stars …)
// One request per window at a time; failures retry with capped backoff (a 429 after its retry time).
// What it does not do: render anything or read snapshots (audience.js does both).

const TIMEOUT_MS = 10000;

function store(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch { /* private mode: this visit only (memory below) */ }
}

function read(key) {
  try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
}

export function newBallotId() {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  return `b${[...a].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// fetch with a time limit; resolves {status, body} (status 0: no answer), never rejects.
async function call(method, path, body, device) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (device) headers['X-Audience-Device'] = device;
  try {
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    credentials: 'same-origin', cache: 'no-store', redirect: 'error', signal: abort.signal });
    const data = await res.json().catch(() => null);
    return { status: data && typeof data === 'object' ? res.status : 0, body: data || {}, retry: Number(res.headers.get('retry-after')) || 0 };
  } catch {
    return { status: 0, body: {} };
  } finally {
    clearTimeout(timer);
  }
}

export class Ballots {
  constructor(token, onChange) {
    this.base = `/api/a/${encodeURIComponent(token)}`;
    this.prefix = `aud:${token}:`;
    this.onChange = onChange;
    this.memory = new Map();
    this.device = read(`${this.prefix}device`);
    this.sending = new Set();
    this.timers = new Map();
    this.failures = 0;
  }

  key(win) { return `${this.prefix}b:${win}`; }

  get(win) { return this.memory.get(win) || read(this.key(win)) || { pending: null, saved: null, error: null }; }

  put(win, rec) { this.memory.set(win, rec); store(this.key(win), rec); }

  all() {
    const out = new Set(this.memory.keys());
    try {
      for (let i = 0; i < localStorage.length; i += 1) {
        const k = localStorage.key(i);
        if (k && k.startsWith(`${this.prefix}b:`)) out.add(k.slice(this.prefix.length + 2));
      }
    } catch { /* memory only */ }
    return [...out];
  }

  get codeDone() { return !!read(`${this.prefix}code`); }

  // The device credential: the stored one if the server still takes it, else a new one.  null: no answer yet.
  // One request at a time: two at once on a new phone would make it two devices (two ballots).
  ensureDevice() {
    if (this.device && this.checked) return Promise.resolve(this.device);
    if (!this.asking) this.asking = this.askDevice().finally(() => { this.asking = null; });
    return this.asking;
  }

  async askDevice() {
    let r = this.device ? await call('POST', `${this.base}/device`, { device: this.device }) : null;
    if (!r || (r.status >= 400 && r.status < 500)) r = await call('POST', `${this.base}/device`, {});
    if (r.status === 200 && typeof r.body.device === 'string') {
      if (r.body.device !== this.device) store(`${this.prefix}code`, undefined);  // a new phone to the server
      this.device = r.body.device;
      this.checked = true;
      store(`${this.prefix}device`, this.device);
      return this.device;
    }
    return null;
  }

  // Strict mode: bind a ballot code (选票码) to this phone.  Resolves {ok} or {message, code}.
  async useCode(code) {
    const device = await this.ensureDevice();
    if (!device) return { message: '网络连接失败，请稍后重试 / No connection: try again' };
    const r = await call('POST', `${this.base}/code`, { code }, device);
    if (r.status === 200) { store(`${this.prefix}code`, code); return { ok: true }; }
    return { message: r.status ? r.body.error || `请求失败（${r.status}）/ Failed (${r.status})` : '网络连接失败，请稍后重试 / No connection: try again', code: r.body.code };
  }

  forgetCode() { store(`${this.prefix}code`, undefined); }

  // This phone's ballots as the server has them (after a reload, or on a phone whose storage was cleared).
  async loadMine() {
    const device = await this.ensureDevice();
    if (!device) return;
    const r = await call('GET', `${this.base}/me`, undefined, device);
    if (r.status !== 200 || !r.body.ballots) return;
    if (r.body.strict && r.body.code === false) this.forgetCode();  // strict mode: this phone has no code yet
    else if (r.body.code === true && !this.codeDone) store(`${this.prefix}code`, true);
    for (const [win, b] of Object.entries(r.body.ballots)) {
      const rec = this.get(win);
      if (!rec.pending) this.put(win, { ...rec, saved: b, error: null });
    }
    this.onChange();
  }

  // The phone's choice for a window: kept, then sent (a newer choice replaces an unsent one).
  choose(win, choice) {
    const rec = this.get(win);
    this.put(win, { ...rec, pending: { ballot_id: newBallotId(), ...choice }, error: null });
    this.onChange();
    this.flush(win, true);
  }

  isSending(win) { return this.sending.has(win); }

  // Send every pending ballot (or one window's); `now` skips a running backoff.
  flush(only = null, now = false) {
    for (const win of only ? [only] : this.all()) {
      if (!this.get(win).pending || this.sending.has(win)) continue;
      if (this.timers.has(win)) {
        if (!now) continue;
        clearTimeout(this.timers.get(win)); this.timers.delete(win);
      }
      this.send(win);
    }
  }

  later(win, ms) {
    if (this.timers.has(win)) return;
    this.timers.set(win, setTimeout(() => { this.timers.delete(win); this.flush(win); }, ms));
  }

  async send(win) {
    this.sending.add(win);
    const sent = this.get(win).pending;
    let r = { status: 0, body: {} };
    const device = await this.ensureDevice();
    if (device) {
      r = await call('POST', `${this.base}/ballot`, { window: win, ...sent }, device);
      if (r.status === 403 && r.body.code !== 'code_required') {  // the credential is not (any more) good
        this.checked = false;
        this.device = null;
        store(`${this.prefix}device`, undefined);
      }
    }
    this.sending.delete(win);
    const rec = this.get(win);
    const same = rec.pending && rec.pending.ballot_id === sent.ballot_id;
    if (r.status === 200) {
      this.failures = 0;
      const { ballot_id: _, ...choice } = sent;
      this.put(win, { pending: same ? null : rec.pending, saved: r.body.ballot || choice, error: null, count: r.body.count });
    } else if (r.status === 429 || r.status === 0 || r.status >= 500 || (r.status === 403 && r.body.code !== 'code_required')) {
      this.failures += 1;
      const wait = r.status === 429 ? Math.max(1000, r.retry * 1000)
        : Math.min(15000, 1000 * 2 ** Math.min(this.failures, 4)) * (0.8 + Math.random() * 0.4);
      this.later(win, wait);
    } else {  // refused: window closed, bad choice, code needed — not counted
      if (r.body.code === 'code_required') this.forgetCode();
      this.put(win, { ...rec, pending: same ? null : rec.pending,
                      error: { message: r.body.error || `请求失败（${r.status}）/ Failed (${r.status})`, code: r.body.code || '' } });
    }
    this.onChange();
    if (this.get(win).pending && !this.timers.has(win)) this.flush(win);
  }
}
