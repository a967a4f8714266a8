// Numbers, scores, clocks, money and bilingual labels as every page writes them (pure: no DOM, no network).
//
// What it does: fmtNum (a judge's mark as a person writes it: 93.5, never 93.500000001), fmtScore (a score
// at the contest's decimals, as on the paper results: 95.00), fmtPercent (a weight: 70%), fmtClock /
// fmtOverrun (the roadshow timer: 04:59, 超时 +0:23), fmtMoney (an amount a page must write itself, e.g. a
// typed budget before the server has it: ¥80,000.50, or ¥8万 with unit 'wan', written like the server's
// judging/core/money.py money_text), splitLabel / pick / zhPart / enPart (a bilingual label
// "专家评审团 Expert panel" split into its Chinese and English parts).
// What it does not do: re-format money the server already wrote (pages show grant_text, amount_text,
// money.line as sent), name phases, actions or rounds (shared/labels.js), or round a score itself (the
// server sends scores already rounded; fmtScore only writes the decimals).

const missing = (x) => x === null || x === undefined || Number.isNaN(Number(x));

// 93.5 not 93.500000001; at most `digits` decimals, no trailing zeros.  '—' for no number.
export function fmtNum(x, digits = 2) {
  if (missing(x)) return '—';
  return Number(Number(x).toFixed(digits)).toString();
}

// A score as published: the decimals of the rules' rounding (95.00, not 95).  '—' for no number.
export function fmtScore(x, digits = 2) {
  if (missing(x)) return '—';
  return Number(x).toFixed(digits);
}

// The decimals a snapshot's scores are published with (the rules' rounding; 2 when not said).
export function scoreDigits(s) {
  return s && s.contest && typeof s.contest.digits === 'number' ? s.contest.digits : 2;
}

// A weight as a percentage: 0.7 -> "70%", 0.333 -> "33.3%".
export function fmtPercent(w, digits = 1) {
  return `${fmtNum(Number(w) * 100, digits)}%`;
}

// The timer: 299.2 s -> "05:00" (a started second counts as left).
export function fmtClock(seconds) {
  const s = Math.ceil(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// "超时 +0:23" for a speaker 23 s over; "时间到" in the first second after zero.
export function fmtOverrun(seconds) {
  const s = Math.floor(seconds);
  if (s < 1) return '时间到';
  return `超时 +${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

// Money as the server writes it (money_text): rounded half up to the cent, ¥ and grouped thousands, cents
// as two digits only when there are any (¥80,000.50, ¥250,000); unit 'wan': the amount in 万 with every
// digit it needs (¥8.00005万, ¥25万).  Only for amounts the server has not written yet (typed ones).
export function fmtMoney(x, { unit = 'yuan' } = {}) {
  if (missing(x)) return '';
  const v = Number(x);
  const sign = v < 0 ? '-' : '';
  const cents = toCents(Math.abs(v));
  if (unit === 'wan' && cents) {
    const whole = cents / 1000000n;                       // 1 万 = 1,000,000 cents
    const frac = String(cents % 1000000n).padStart(6, '0').replace(/0+$/, '');
    return `${sign}¥${grouped(whole)}${frac ? `.${frac}` : ''}万`;
  }
  const rest = cents % 100n;
  return `${sign}¥${grouped(cents / 100n)}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
}

// A non-negative amount in cents, rounded half up from the decimal it prints as (1.005 -> 101, like the
// server's Fraction arithmetic, not the binary double's 1.00499…).
function toCents(v) {
  if (!Number.isFinite(v)) return 0n;
  if (String(v).includes('e')) return v < 1 ? 0n : BigInt(Math.round(v)) * 100n;   // 1e-7 or 1e21
  const [whole, frac = ''] = String(v).split('.');
  const f = frac.padEnd(3, '0');
  return BigInt(whole) * 100n + BigInt(f.slice(0, 2)) + (Number(f[2]) >= 5 ? 1n : 0n);
}

const CJK = /[\u3000-\u9fff\uff00-\uffef]/;

// '需求与问题 Need' -> ['需求与问题', 'Need']; '中文 / English' and '中文。/ English' too; a label without both parts -> [label, ''].
export function splitLabel(label) {
  const s = String(label ?? '').trim();
  const slash = s.split(/ \/ |(?<=[\u3000-\u303f\uff00-\uffef])\/ /);   // "中文 / English", "中文。/ English"
  if (slash.length === 2 && CJK.test(slash[0])) return [slash[0].trim(), slash[1].trim()];
  const m = s.match(/^(.*[\u3000-\u9fff\uff00-\uffef][^A-Za-z]*?)\s+([A-Za-z][^\u3000-\u9fff\uff00-\uffef]*)$/);
  return m ? [m[1].trim(), m[2].trim()] : [s, ''];
}

// A bilingual label or server message in the chosen language ('zh' | 'en'); the other part is dropped.
export function pick(label, lang) {
  const [zh, en] = splitLabel(label);
  return lang === 'en' && en ? en : zh;
}

// "专家评审团 Expert panel" -> "专家评审团" (the first word: what a narrow column shows).
export function zhPart(label) {
  return String(label || '').split(/\s+/)[0];
}

// "专家评审团 Expert panel" -> "Expert panel" (everything after the first word).
export function enPart(label) {
  return String(label || '').split(/\s+/).slice(1).join(' ');
}
