// Live connection to the server, shared by the judge page, the big screen and the console.
// Reconnects with capped exponential backoff and jitter, resyncs (the server sends the full state on
// every connect), and treats a silent link as dead (the server sends a heartbeat every 10 s).  A dead
// or hung socket is abandoned at once — never waited out through the browser's closing handshake,
// which on a link that silently drops packets takes a minute or more.
// It does not render or format anything (shared/format.js writes the clock): callers get
// onState(snapshot) and onStatus(status), where status is 'connecting' | 'live' | 'reconnecting' |
// 'invalid' (the server refused the link: close code 4401, or 4403: this role may not open it).  `type`: the
// snapshots' type ('state'; the audience channel sends 'audience').

const HEARTBEAT_GRACE_MS = 25000;  // nothing heard for this long: the link is dead
const CONNECT_TIMEOUT_MS = 10000;  // a handshake that hangs this long is given up
const QUIET_MS = 12000;            // on waking up / coming online, a link this quiet is not trusted

export function connect(path, { onState, onStatus = () => {}, type = 'state' }) {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  let ws = null;
  let attempt = 0;
  let watchdog = null;
  let retry = null;
  let stopped = false;
  let heardAt = 0;
  let wasLive = false;  // after the first live link, every new attempt is a reconnect

  function drop() {  // forget the current socket without waiting for it to close
    clearTimeout(watchdog);
    const sock = ws;
    ws = null;
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try { sock.close(); } catch { /* already closing */ }
    }
  }

  function lost() {
    drop();
    schedule();
  }

  function arm(ms) {
    clearTimeout(watchdog);
    watchdog = setTimeout(lost, ms);
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
    drop();
    onStatus(attempt || wasLive ? 'reconnecting' : 'connecting');
    const sock = new WebSocket(url);
    ws = sock;
    arm(CONNECT_TIMEOUT_MS);
    sock.onopen = () => { heardAt = Date.now(); wasLive = true; arm(HEARTBEAT_GRACE_MS); onStatus('live'); };
    sock.onmessage = (ev) => {
      heardAt = Date.now();
      arm(HEARTBEAT_GRACE_MS);
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type === type) {
        attempt = 0;  // only a server that really sends state resets the backoff
        msg.receivedAt = Date.now();
        onState(msg);
      }
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      drop();
      if (ev.code === 4401 || ev.code === 4403 || ev.code === 1008) { stopped = true; onStatus('invalid'); return; }
      schedule();
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  function wake() {  // the network returned or the laptop/phone woke up: check at once
    if (stopped) return;
    if (!ws || Date.now() - heardAt > QUIET_MS) { attempt = 0; open(); return; }
    if (ws.readyState === WebSocket.OPEN) {  // a ping answered within the grace keeps it; else the watchdog fires
      try { ws.send('{"type":"ping"}'); } catch { lost(); }
    }
  }

  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') wake(); });

  open();
  return {
    close() { stopped = true; clearTimeout(retry); drop(); },
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

// Seconds left now, negative once the time is up (the server counts the overrun: timer.overrun).
export function timerRaw(snapshot) {
  const t = snapshot.timer;
  if (!t) return 0;
  const raw = t.left - (t.overrun || 0);
  return t.running ? raw - (Date.now() - snapshot.receivedAt) / 1000 : raw;
}
