// The audit trail page: one page (100 entries) of a contest's audit log at a time, filtered by
// project / judge / kind, newest or oldest first, plus the status of the database's hash chain.
// The filters live in the address (?project=P07&judge=E1) so a view can be bookmarked or shared.
// Everything shown is text from the server, escaped; nothing here changes any data.
import { api } from "./shared/api.js";
import { esc } from "./shared/dom.js";
import { biHtml, setBi, setPair } from "./shared/lang.js";
import { splitLabel } from "./shared/format.js";

const main = document.querySelector("main[data-cid]");
const cid = main.dataset.cid;
const form = document.getElementById("filters");
const rows = document.getElementById("rows");
const count = document.getElementById("count");
const pageLabel = document.getElementById("page");
const prev = document.getElementById("prev");
const next = document.getElementById("next");
const chain = document.getElementById("chain");
const PAGE = 100;
const FIELDS = ["project", "judge", "kind", "order"];
let offset = 0;
let loading = 0;

function filters() {
  const out = {};
  for (const name of FIELDS) {
    const value = form.elements[name].value;
    if (value && !(name === "order" && value === "newest")) out[name] = value;
  }
  return out;
}

function readAddress() {
  const q = new URLSearchParams(location.search);
  for (const name of FIELDS) {
    const el = form.elements[name];
    const value = q.get(name);
    if (value !== null && [...el.options].some((o) => o.value === value)) el.value = value;
  }
  offset = Math.max(0, parseInt(q.get("offset") || "0", 10) || 0);
}

function writeAddress() {
  const q = new URLSearchParams(filters());
  if (offset) q.set("offset", String(offset));
  const search = q.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function cell(text, cls = "") {
  return `<td${cls ? ` class="${cls}"` : ""}>${text}</td>`;
}

function row(e) {
  const time = esc(e.time) + (e.imported
    ? ` <span class="badge imported" title="导入于 Imported at ${esc(e.imported_at)}">导入</span>` : "");
  const judgeLink = e.judge ? ` <a class="filter-link" href="?judge=${encodeURIComponent(e.judge)}"
      data-filter="judge" data-value="${esc(e.judge)}" title="只看该评委 Only this judge">筛选</a>` : "";
  // an organizer's correction is about a judge: name them next to the organizer
  const about = e.judge && !e.actor.startsWith("judge:")
    ? `<br><span class="about">评委 ${esc(e.judge_name)}（${esc(e.judge)}）</span>${judgeLink}` : judgeLink;
  const project = e.project
    ? `<a class="filter-link" href="?project=${encodeURIComponent(e.project)}" data-filter="project"
         data-value="${esc(e.project)}" title="只看该项目 Only this project">${esc(e.project)}</a> ${esc(e.project_name)}`
    : "";
  // the server's round name, shown for overtime rounds only (the regular round goes without saying)
  const round = e.round_label && e.round && e.round !== "final"
    ? ` <span class="badge round-badge">${esc(e.round_label)}</span>` : "";
  const reason = [e.reason ? `<strong>${esc(e.reason)}</strong>` : "", esc(e.extra)].filter(Boolean).join("<br>");
  return `<tr class="kind-${esc(e.kind)}">`
    + `<td class="num" title="哈希 ${esc(e.hash)}">${e.seq}</td>`
    + cell(time, "time")
    + cell(esc(e.who) + about)
    + cell(esc(e.what) + round)
    + cell(project)
    + cell(esc(e.before), "change")
    + cell(esc(e.after), "change")
    + cell(reason)
    + cell(esc(e.client), "client")
    + "</tr>";
}

async function load() {
  const ticket = ++loading;
  writeAddress();
  const q = new URLSearchParams({ ...filters(), offset: String(offset), limit: String(PAGE) });
  setBi(count, "加载中… Loading…");
  try {
    const page = await api("GET", `/api/contests/${encodeURIComponent(cid)}/audit/entries?${q}`);
    if (ticket !== loading) return;  // a newer request is on its way
    rows.innerHTML = page.entries.length
      ? page.entries.map(row).join("")
      : `<tr><td colspan="9" class="empty">没有符合条件的记录 <span class="en">No matching entries</span></td></tr>`;
    const pages = Math.max(1, Math.ceil(page.total / PAGE));
    const current = Math.floor(offset / PAGE) + 1;
    setPair(count, `共 ${page.total} 条记录`, `${page.total} entries`);
    pageLabel.textContent = `第 ${current} / ${pages} 页`;
    prev.disabled = offset <= 0;
    next.disabled = offset + PAGE >= page.total;
  } catch (err) {
    if (ticket !== loading) return;
    count.textContent = "";
    const [mz, me] = splitLabel(err.message);
    rows.innerHTML = `<tr><td colspan="9" class="bad">${biHtml(`无法读取审计日志：${mz} / cannot load the audit log: ${me || mz}`)}</td></tr>`;
  }
}

// One sentence: this contest's count, and where its last entry sits in the database-wide numbering
// (one chain for every contest in the file, so the numbers run on across contests).
function chainIntact(s) {
  const hash = `<code id="last-hash" title="${esc(s.last_hash ?? "")}">${esc((s.last_hash ?? "—").slice(0, 16))}</code>`;
  const last = `<strong id="last-seq">${s.last_seq ?? "—"}</strong>`;
  if (!s.contest_entries) {
    return `✓ <span class="zh" lang="zh-CN">哈希链完整，数据库未被改动；本大赛还没有记录。</span> <span class="en">The hash chain is intact; this contest has no entries yet.</span>`;
  }
  return `✓ <span class="zh" lang="zh-CN">哈希链完整，数据库未被改动：本大赛 <strong id="contest-entries">${s.contest_entries}</strong> 条记录，`
    + `最后一条为全库第 ${last} 条（编号在本数据库的所有大赛间连续），哈希 ${hash}，可与签字汇总表核对。</span>`
    + ` <span class="en">The hash chain is intact: this contest has ${s.contest_entries} entries; its last is entry `
    + `${esc(String(s.last_seq ?? "—"))} of the database (numbered across all its contests), hash `
    + `<code>${esc((s.last_hash ?? "—").slice(0, 16))}</code>: compare it with the signed summary sheet.</span>`;
}

async function verify() {
  try {
    const s = await api("GET", `/api/contests/${encodeURIComponent(cid)}/audit/verify`);
    chain.className = `alert chain ${s.ok ? "ok" : "bad"}`;
    chain.innerHTML = s.ok
      ? chainIntact(s)
      : `⚠ <span class="zh" lang="zh-CN">审计记录被篡改或损坏！</span><strong>${biHtml(s.message)}</strong> `
        + `<span class="en">The audit chain is broken: the database was changed outside the program.</span>`;
  } catch (err) {
    chain.className = "alert chain bad";
    const [mz, me] = splitLabel(err.message);
    setBi(chain, `无法检查哈希链：${mz} / cannot check the chain: ${me || mz}`);
  }
}

form.addEventListener("change", () => { offset = 0; load(); });
form.addEventListener("submit", (ev) => { ev.preventDefault(); });
document.getElementById("clear").addEventListener("click", () => {
  for (const name of FIELDS) form.elements[name].selectedIndex = 0;
  offset = 0;
  load();
});
document.getElementById("refresh").addEventListener("click", () => { load(); verify(); });
prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
next.addEventListener("click", () => { offset += PAGE; load(); });
rows.addEventListener("click", (ev) => {
  const link = ev.target.closest("a.filter-link");
  if (!link) return;
  ev.preventDefault();
  form.elements[link.dataset.filter].value = link.dataset.value;
  offset = 0;
  load();
});

readAddress();
load();
verify();
