// Marks as a judge types them (pure): reading what was typed, checking it against the rubric the
// server sent (bounds, step, every criterion filled — the same exact decimal checks the server makes), stepping
// a value up or down on the step grid, and the live total.  No DOM, no network, no storage.

import { fmtNum } from './shared/format.js';

// Full-width digits and dots from a Chinese keyboard, and a decimal comma, as plain ASCII
// (one character for one, so a caret position stays valid).
export function toAscii(raw) {
  return String(raw ?? '')
    .replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\uff0e\u3002,\uff0c]/g, '.')
    .replace(/\uff0d/g, '-');
}

export function normalize(raw) {
  return toAscii(raw).replace(/\s+/g, '');
}

export function parseMark(raw) {
  const s = normalize(raw);
  if (s === '') return { empty: true };
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(s)) return { nan: true };
  return { value: Number(s) };
}

export function decimals(step) {
  const d = exact(step);
  return d && d.exp < 0 ? -d.exp : 0;
}

// A number as the exact decimal it stands for: {n, exp} with value = n × 10^exp (n a BigInt), or null.
// Typed text is taken digit by digit; a number the server sent (a bound, the step) by its shortest
// representation, as the server reads a JSON number (17.7 is the decimal 17.7, not the double's expansion).
export function exact(x) {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(String(x ?? '').trim());
  if (!m || (m[2] === '' && !m[3])) return null;
  const frac = m[3] || '';
  let n = BigInt((m[2] || '0') + frac);
  if (m[1] === '-') n = -n;
  return { n, exp: Number(m[4] || 0) - frac.length };
}

// The decimals as BigInts on one common scale.
function aligned(...ds) {
  const e = Math.min(...ds.map((d) => d.exp));
  return ds.map((d) => d.n * 10n ** BigInt(d.exp - e));
}

// Why a typed mark is not acceptable, as {code, args} for the translator, or null.  Exact, in decimal, like
// the server (rules.mark_value): within [min, max] and a whole number of steps above min, no tolerance.
export function checkMark(raw, crit, rubric) {
  const p = parseMark(raw);
  if (p.empty) return { code: 'errMissing', args: [] };
  if (p.nan) return { code: 'errNumber', args: [] };
  const [x, lo, hi] = aligned(exact(normalize(raw)), exact(crit.min), exact(crit.max));
  if (x < lo || x > hi) return { code: 'errRange', args: [fmt(crit.min), fmt(crit.max)] };
  const step = rubric.step;
  if (step > 0) {
    const [v, base, s] = aligned(exact(normalize(raw)), exact(rubric.min), exact(step));
    if ((v - base) % s !== 0n) return { code: 'errStep', args: [fmt(step)] };
  }
  return null;
}

export function checkAll(values, rubric) {
  const errors = {};
  for (const c of rubric.criteria) {
    const e = checkMark(values[c.id], c, rubric);
    if (e) errors[c.id] = e;
  }
  return errors;
}

// The numbers to send, from typed strings already checked by checkAll: the double nearest to the typed
// decimal, whose shortest form is that decimal again (what the server reads); -0 is sent as 0.
export function cleanValues(values, rubric) {
  const out = {};
  for (const c of rubric.criteria) out[c.id] = parseMark(values[c.id]).value + 0;
  return out;
}

// Weighted total as the server computes it (model.mark_total); null while something is missing.
export function total(values, rubric) {
  let sum = 0;
  for (const c of rubric.criteria) {
    const p = parseMark(values[c.id]);
    if (p.empty || p.nan) return null;
    sum += (c.weight ?? 1) * p.value;
  }
  return Math.round(sum * 1e6) / 1e6;
}

export function maxTotal(rubric) {
  return rubric.criteria.reduce((s, c) => s + (c.weight ?? 1) * c.max, 0);
}

// One press of a stepper button: a whole point (or the step when it is bigger), kept on the grid
// and inside the bounds.  From an empty field '+' gives the minimum plus one point, '−' the maximum
// (judges who mark down from full marks).
export function stepValue(raw, dir, crit, rubric) {
  const step = rubric.step > 0 ? rubric.step : 1;
  const inc = step * Math.max(1, Math.round(1 / step));
  const p = parseMark(raw);
  let x;
  if (p.empty || p.nan) x = dir > 0 ? crit.min + inc : crit.max;
  else x = p.value + dir * inc;
  x = Math.min(crit.max, Math.max(crit.min, x));
  return fmt(snap(x, rubric), Math.max(decimals(step), decimals(rubric.min)));
}

function snap(x, rubric) {
  const step = rubric.step > 0 ? rubric.step : 0;
  if (!step) return x;
  const k = Math.round((x - rubric.min) / step);
  return Number((rubric.min + k * step).toFixed(Math.max(decimals(step), decimals(rubric.min)))) + 0;
}

// 93.5 not 93.500000001; never more digits than needed (shared/format.js fmtNum, up to 6 decimals).
export const fmt = (x, digits = 6) => fmtNum(x, digits);

// Numbers (as the server sends them) as the strings a form shows.
export function asText(values) {
  const out = {};
  for (const [k, v] of Object.entries(values || {})) out[k] = fmt(v);
  return out;
}

export function hasDraft(values) {
  return Object.values(values || {}).some((v) => String(v ?? '').trim() !== '');
}

export function sameValues(a, b, rubric) {
  for (const c of rubric.criteria) {
    const pa = parseMark(a?.[c.id]);
    const pb = parseMark(b?.[c.id]);
    if ((pa.value ?? null) !== (pb.value ?? null)) return false;
  }
  return true;
}

// Submission ids from the browser's random generator (crypto.randomUUID needs https; venue
// laptops are reached over plain http).
export function newSubmissionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
