// Live connection to the server, shared by the judge page, the big screen and the console.
// Reconnects with capped exponential backoff and jitter, resyncs (the server sends the full state on
// every connect), and treats a silent link as dead (the server sends a heartbeat every 10 s).
// It does not render anything: callers get onState(snapshot) and onStatus(status).

const HEARTBEAT_GRACE_MS = 25000;

export function connect(path, { onState, onStatus = () => {} }) {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  let ws = null;
  let attempt = 0;
  let watchdog = null;
  let retry = null;
  let stopped = false;

  function arm() {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => { if (ws) ws.close(); }, HEARTBEAT_GRACE_MS);
  }

  function schedule() {
    if (stopped || retry) return;
    const delay = Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    onStatus('reconnecting');
    retry = setTimeout(() => { retry = null; open(); }, delay);
  }

  function open() {
    if (stopped) return;
    clearTimeout(retry); retry = null;
    onStatus(attempt ? 'reconnecting' : 'connecting');
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => { attempt = 0; arm(); onStatus('live'); };
    sock.onmessage = (ev) => {
      arm();
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type === 'state') {
        msg.receivedAt = Date.now();
        onState(msg);
      }
    };
    sock.onclose = (ev) => {
      clearTimeout(watchdog);
      if (ws !== sock) return;
      ws = null;
      if (ev.code === 4401 || ev.code === 1008) { stopped = true; onStatus('invalid'); return; }
      schedule();
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  // come back at once when the network returns or the laptop wakes up
  window.addEventListener('online', () => { if (!ws) { attempt = 0; open(); } });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !ws) { attempt = 0; open(); }
  });

  open();
  return {
    close() { stopped = true; clearTimeout(retry); if (ws) ws.close(); },
    get connected() { return !!ws && ws.readyState === WebSocket.OPEN; },
  };
}

// Seconds left on the presentation timer now, from a snapshot's timer and its arrival time.
export function timerLeft(snapshot) {
  const t = snapshot.timer;
  if (!t) return 0;
  if (!t.running) return t.left;
  return Math.max(0, t.left - (Date.now() - snapshot.receivedAt) / 1000);
}

export function fmtClock(seconds) {
  const s = Math.ceil(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// Numbers as a person writes them: 93.5 not 93.500000001
export function fmtNum(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Number(x.toFixed(digits)).toString();
}

// A score as published: the decimals of the rules' rounding (95.00, not 95), as on the paper results
export function fmtScore(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Number(x).toFixed(digits);
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
