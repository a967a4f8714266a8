// Words of the judge page in Simplified Chinese (default) and English; the switch's choice is shared/lang.js's.
// It does not render anything (the judge page asks t(key, ...args) for every string it shows) nor split
// the server's bilingual labels (shared/format.js splitLabel / pick).

import { chosenLang, setLang } from './shared/lang.js';

const ZH = {
  connecting: '正在连接…', live: '在线', reconnecting: '重连中', offline: '无网络 · 重连中', invalid: '链接无效',
  switchLang: 'EN', switchLangLabel: 'EN: Switch to English',
  nudgeTitle: '请尽快提交评分', nudgeHint: '工作人员正在等您的评分，请填写后点「提交评分」。',
  me: '评委', contest: '大赛',
  order: '出场顺序', orderWhere: (n, of) => `第 ${n} / ${of} 个`, orderDone: '已完成', orderNow: '进行中',
  orderPending: '待路演', orderRecused: '回避', orderEmpty: '出场顺序尚未确定',
  position: (n, of) => `第 ${n} 个出场 · 共 ${of} 个`,
  waitSetup: '比赛尚未开始', waitSetupHint: '请稍候，工作人员开始比赛后这里会自动更新，无需刷新。',
  waitBetween: '请稍候', waitNext: '下一个项目', waitHint: '下一个项目上台后，这里会自动切换。',
  waitRanking: '本轮路演已全部结束', waitRankingHint: '正在统计成绩。如有并列，可能进行加时赛，请留意本页面。',
  waitReveal: '正在颁奖', waitRevealHint: '评分已全部完成，感谢您的评审！',
  presenting: '正在路演', presentingHint: '请聆听路演。评分开放后，这里会自动出现评分表。',
  timeLeft: '剩余时间', timerPaused: '计时暂停', timerReady: '路演时长',
  scoring: '请评分', overtime: '加时赛',
  overtimeHint: '加时赛只决定并列项目之间的先后，不改变原有总分。',
  criterionRange: (min, max) => `${min}–${max} 分`,
  minus: (label) => `${label} 减分`, plus: (label) => `${label} 加分`,
  total: '总分', totalOf: (max) => `满分 ${max}`, incomplete: '尚未填完',
  submit: '提交评分', amend: '修改', cancelAmend: '取消修改',
  amending: (total) => `正在修改。已计入的总分为 ${total}，提交后将替换。`,
  confirmTitle: '确认提交评分', confirmTotal: '总分', confirm: '确认提交', back: '返回修改',
  submitted: '已提交 ✓', submittedHint: '评分结束前可以修改。',
  statusSaved: '已保存', statusSavedAt: (time) => `已保存 · ${time}`, statusPending: '待发送',
  statusSending: '发送中…', statusFull: '服务器存储空间已满，您的评分未保存，将自动重发',
  pendingHint: '网络恢复后会自动发送，请不要关闭此页面。',
  retry: '立即重试',
  closed: '本项目评分已结束', counted: (total) => `已计入 ✓ 总分 ${total}`, notSubmitted: '您未对本项目提交评分。',
  nothingCounted: '本项目没有计入您的评分。', lostTotal: (total) => `未被计入的这份评分：总分 ${total}`,
  notCountedTyping: '评分已结束，您正在填写的分数未提交，未被计入。',
  notCountedAmend: (total) => `评分已结束，您的修改未提交，未被计入。已计入的仍是原来的总分 ${total}。`,
  notCountedServer: '评分已结束，本次评分未被计入。',
  notCountedSuperseded: '这份评分未被计入：服务器计入的是另一份评分（之后的提交，或组织者的作废/更正）。',
  earlierNotCounted: '您上一次提交的评分未被计入',
  voidedNotice: '您的评分已被组织者作废，请重新提交。',
  voidedWas: (total) => `被作废的评分：总分 ${total}。下面已填入原来的分数，可修改后提交。`,
  voidedTitle: (total) => `已作废 · 总分 ${total}`,
  voidedClosed: '您对本项目的评分已被组织者作废，未计入。',
  checking: '评分已结束。您的评分尚未送达服务器，恢复连接后将确认是否计入。',
  rejected: (name) => `「${name}」的评分未被计入`, dismiss: '知道了',
  recused: '您已回避本项目', recusedHint: '按照回避规定，您无需为这个项目评分。请稍候下一个项目。',
  finished: '比赛结束', finishedHint: '结果已锁定。感谢您的辛勤评审！',
  invalidTitle: '评委链接无效', invalidHint: '这个评分链接已失效，请联系工作人员重新获取二维码。',
  invalidUnsent: '本机还有未送达服务器的评分，未被计入。请告知工作人员。',
  storageOff: '本机浏览器无法保存草稿（可能是无痕模式），刷新页面会丢失未提交的分数。',
  errMissing: '请填写此项', errNumber: '请输入数字',
  errRange: (min, max) => `须在 ${min} 到 ${max} 之间`, errStep: (step) => `须为 ${step} 的整数倍`,
  errFix: '请先改正标红的评分项', errGeneral: '提交未成功',
  projectFallback: '项目',
};

const EN = {
  connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting', offline: 'No network · reconnecting',
  invalid: 'Invalid link',
  switchLang: '中文', switchLangLabel: '中文：切换到中文',
  nudgeTitle: 'Please submit your marks now', nudgeHint: 'The organizers are waiting for your marks: fill them in and tap Submit.',
  me: 'Judge', contest: 'Contest',
  order: 'Running order', orderWhere: (n, of) => `No. ${n} of ${of}`, orderDone: 'Done', orderNow: 'Now',
  orderPending: 'To come', orderRecused: 'Recused', orderEmpty: 'The running order is not set yet',
  position: (n, of) => `Presenting ${n} of ${of}`,
  waitSetup: 'The contest has not started', waitSetupHint: 'Please wait; this page updates by itself, no need to reload.',
  waitBetween: 'Please wait', waitNext: 'Next project', waitHint: 'This page switches by itself when the next project is called up.',
  waitRanking: 'All roadshows of this round are done', waitRankingHint: 'The scores are being ranked. A tie may need an overtime round; keep this page open.',
  waitReveal: 'Awards ceremony', waitRevealHint: 'Scoring is complete. Thank you for judging!',
  presenting: 'Presenting now', presentingHint: 'Please listen. The score sheet appears here when scoring opens.',
  timeLeft: 'Time left', timerPaused: 'Timer paused', timerReady: 'Roadshow time',
  scoring: 'Please score', overtime: 'Overtime',
  overtimeHint: 'Overtime only orders the tied projects; it does not change their totals.',
  criterionRange: (min, max) => `${min}–${max} points`,
  minus: (label) => `${label}: lower`, plus: (label) => `${label}: higher`,
  total: 'Total', totalOf: (max) => `out of ${max}`, incomplete: 'not complete',
  submit: 'Submit', amend: 'Amend', cancelAmend: 'Cancel amending',
  amending: (total) => `Amending. The counted total is ${total}; submitting replaces it.`,
  confirmTitle: 'Submit these marks?', confirmTotal: 'Total', confirm: 'Submit', back: 'Go back',
  submitted: 'Submitted ✓', submittedHint: 'You can amend until scoring closes.',
  statusSaved: 'Saved', statusSavedAt: (time) => `Saved · ${time}`, statusPending: 'Waiting to send',
  statusSending: 'Sending…', statusFull: 'The server\'s storage is full: your marks are NOT saved yet and will be resent',
  pendingHint: 'It will be sent automatically when the network returns. Keep this page open.',
  retry: 'Retry now',
  closed: 'Scoring for this project has closed', counted: (total) => `Counted ✓ total ${total}`,
  notSubmitted: 'You did not submit marks for this project.',
  nothingCounted: 'No marks of yours count for this project.', lostTotal: (total) => `The marks not counted had a total of ${total}`,
  notCountedTyping: 'Scoring has closed. The marks you were typing were not submitted and were NOT counted.',
  notCountedAmend: (total) => `Scoring has closed. Your amendment was not submitted and was NOT counted; your earlier total ${total} stands.`,
  notCountedServer: 'Scoring has closed. These marks were NOT counted.',
  notCountedSuperseded: 'These marks were NOT counted: the server counts another mark set (a later submission, or the organizer voided or corrected them).',
  earlierNotCounted: 'Your last submission was NOT counted',
  voidedNotice: 'Your marks were voided by the organizer; please submit again.',
  voidedWas: (total) => `The voided marks had a total of ${total}. They are filled in below; change them if needed and submit.`,
  voidedTitle: (total) => `Voided · total ${total}`,
  voidedClosed: 'Your marks for this project were voided by the organizer and do not count.',
  checking: 'Scoring has closed. Your marks have not reached the server yet; we will check whether they count when the connection returns.',
  rejected: (name) => `Your marks for “${name}” were NOT counted`, dismiss: 'OK',
  recused: 'You are recused from this project', recusedHint: 'Under the recusal rules you do not score this project. Please wait for the next one.',
  finished: 'The contest is over', finishedHint: 'The results are locked. Thank you for judging!',
  invalidTitle: 'This judge link is not valid', invalidHint: 'Ask the staff for your QR code.',
  invalidUnsent: 'This phone still holds marks that never reached the server; they were NOT counted. Tell the staff.',
  storageOff: 'This browser cannot keep drafts (private mode?); reloading loses marks not yet submitted.',
  errMissing: 'Enter a mark', errNumber: 'Enter a number',
  errRange: (min, max) => `Must be between ${min} and ${max}`, errStep: (step) => `Use steps of ${step}`,
  errFix: 'Correct the marks in red first', errGeneral: 'Not submitted',
  projectFallback: 'project',
};

const WORDS = { zh: ZH, en: EN };

// The choice is the one every page shares (shared/lang.js: localStorage 'rj:lang', ?lang=en, <html data-lang>).
export const loadLang = chosenLang;

export function saveLang(lang) {
  setLang(lang);
}

export function translator(lang) {
  const words = WORDS[lang] || ZH;
  return (key, ...args) => {
    const w = words[key] ?? ZH[key] ?? key;
    return typeof w === 'function' ? w(...args) : w;
  };
}
