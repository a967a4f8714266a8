// Text that fits the projector: names of any length never overflow their boxes, and the result's mark
// tiles share the largest type at which each holds its value.
// What it does not do: choose what is shown or when (screen.js calls fitAll / fitMarks after a new view and
// on resize), or shrink a project name in a list below a readable floor while two lines still hold it.

// Shrink text marked .fit until it fits its box and its box fits its parent (names of any length
// never overflow).  One-line text that still does not fit at 70 % wraps onto two lines and shrinks
// further: two readable lines beat one tiny one (.fit-line, e.g. organizations: wraps only below 50 %).  A
// second pass tightens what a sibling's wrapping squeezed afterwards.
function overflows(el) {
  const box = el.parentElement;
  return el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight + 1   // +1: sub-pixel rounding
    || (!!box && box.clientHeight > 0 && box.scrollHeight > box.clientHeight + 1);
}

function shrink(el, size, min) {
  let s = size;
  while (overflows(el) && s > min) { s = Math.max(min, s * 0.93); el.style.fontSize = `${s.toFixed(1)}px`; }
  return s;
}

// data-fit-min="1.46": never below 1.46 --u while two lines at that size hold the text (project names in
// lists); only a name too long even for that goes smaller, shown whole.
function fitFloor(el) {
  const u = Math.min(window.innerWidth / 100, (window.innerHeight * 1.7778) / 100);
  return el.dataset.fitMin ? Number(el.dataset.fitMin) * u : 0;
}

function fitOne(el) {
  const st = el.style;
  st.fontSize = ''; st.whiteSpace = ''; st.lineHeight = ''; st.maxHeight = ''; st.wordBreak = '';
  const base = parseFloat(getComputedStyle(el).fontSize) || 16;
  el.dataset.fitBase = String(base);
  const floor = Math.min(base, fitFloor(el));
  const oneLine = getComputedStyle(el).whiteSpace === 'nowrap';
  shrink(el, base, Math.max(floor, base * (!oneLine ? 0.45 : el.classList.contains('fit-line') ? 0.5 : 0.7)));
  const [lh, mh] = floor ? ['1.08', '2.32em'] : ['1.15', '2.35em'];   // names in lists: two tight lines
  if (overflows(el) && oneLine) {
    st.whiteSpace = 'normal'; st.lineHeight = lh; st.maxHeight = mh;
    shrink(el, parseFloat(getComputedStyle(el).fontSize), Math.max(floor, base * 0.3));
  }
  if (overflows(el) && floor) {  // rather than go under the floor: break anywhere, not only between phrases
    st.whiteSpace = 'normal'; st.lineHeight = lh; st.maxHeight = mh; st.wordBreak = 'normal';
    shrink(el, parseFloat(getComputedStyle(el).fontSize), floor);
    if (overflows(el)) shrink(el, parseFloat(getComputedStyle(el).fontSize), base * 0.3);
  }
}

export function fitAll() {
  const els = [...document.querySelectorAll('.fit')];
  for (const el of els) fitOne(el);
  for (const el of els) {
    if (overflows(el)) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      shrink(el, size, Math.min(size, Math.max(fitFloor(el), Number(el.dataset.fitBase) * 0.3)));
      if (overflows(el)) shrink(el, parseFloat(getComputedStyle(el).fontSize), Number(el.dataset.fitBase) * 0.3);
    }
  }
}

// Mark tiles: the largest type at which every tile holds its value, and its label with the
// 最高/最低 tag in the corner clear of it.
export function fitMarks(stage) {
  for (const grid of stage.querySelectorAll('.marks')) {
    const cells = [...grid.querySelectorAll('.mark')];
    if (!cells.length) continue;
    grid.style.fontSize = '';
    let size = Math.min(parseFloat(getComputedStyle(grid).fontSize) || 16, cells[0].clientHeight / 1.8);
    const fits = () => cells.every((c) => {
      const w = c.clientWidth;
      const value = c.querySelector('.mark-value');
      const label = c.querySelector('.mark-label');
      const tag = c.querySelector('.drop-tag');
      return (!value || value.offsetWidth <= w * 0.92)
        && (!label || label.scrollWidth + 2 * (tag ? tag.offsetWidth : 0) <= w);
    });
    grid.style.fontSize = `${size.toFixed(1)}px`;
    while (!fits() && size > 8) {
      size *= 0.94;
      grid.style.fontSize = `${size.toFixed(1)}px`;
    }
  }
}

