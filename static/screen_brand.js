// The big screen's branding: the contest's colours, its logo and its sponsor strip, from snapshot.brand.
//
// What it does: applyBrand(snapshot, view) — after each render — sets the colours as CSS custom properties
// (--banner: the primary colour, --gold: the accent; the house colours when the contest has none), shows the
// logo in the banner (#banner-logo) and large on the holding view (#holding .h-logo), and fills the sponsor
// strip (#sponsor-strip: the sponsor line and the sponsor logos) shown along the bottom of the holding,
// running-order, ranking, awards and final views (a grid row of its own: it takes room from the stage,
// never covers a score).  The server has checked the colours (#rrggbb, WCAG AA) and re-encoded the images.
// What it does not do: choose a view or touch anything inside the stage but the holding view's logo.
//
// Stable hooks for tests: html[data-brand="1"] when a contest has any branding; #banner-logo[src];
// #holding .h-logo[src]; #sponsor-strip[data-shown="1"] .sp-text, .sp-logo[src].

import { esc } from './shared/dom.js';

export const STRIP_VIEWS = new Set(['holding', 'order', 'board', 'ranking', 'reveal', 'locked']);

let lastStrip = '';

export function applyBrand(s, view) {
  const b = (s && s.brand) || null;
  const root = document.documentElement;
  root.dataset.brand = b ? '1' : '';
  const first = document.getElementById('brand-vars');   // the page's first paint (templates/brand_vars.html)
  if (first) first.remove();                            // from now on the snapshot's colours hold
  setVar(root, '--banner', b && b.primary ? b.primary : '');
  setVar(root, '--brand', b && b.primary ? b.primary : '');
  setVar(root, '--gold', b && b.accent ? b.accent : '');

  const logoUrl = b && b.logo ? b.logo.url : '';
  const bannerLogo = document.getElementById('banner-logo');
  if (bannerLogo) {
    if (logoUrl && bannerLogo.getAttribute('src') !== logoUrl) bannerLogo.setAttribute('src', logoUrl);
    bannerLogo.hidden = !logoUrl || view === 'holding';   // the holding view shows it large instead
  }
  const holding = document.getElementById('holding');
  if (holding) {
    let img = holding.querySelector('.h-logo');
    if (logoUrl && !img) {
      img = document.createElement('img');
      img.className = 'h-logo';
      img.alt = '';
      holding.prepend(img);
    }
    if (img && logoUrl && img.getAttribute('src') !== logoUrl) img.setAttribute('src', logoUrl);
    if (img && !logoUrl) img.remove();
  }

  const strip = document.getElementById('sponsor-strip');
  if (!strip) return;
  const sponsors = b ? b.sponsors || [] : [];
  const html = b && (b.sponsor_text || sponsors.length)
    ? `${b.sponsor_text ? `<span class="sp-text">${esc(b.sponsor_text)}</span>` : ''}${sponsors.map(
      (sp) => `<img class="sp-logo" alt="" src="${esc(sp.url)}" width="${sp.width}" height="${sp.height}">`).join('')}`
    : '';
  if (html !== lastStrip) { strip.innerHTML = html; lastStrip = html; }
  const shown = html && STRIP_VIEWS.has(view) ? '1' : '';
  if (strip.dataset.shown !== shown) strip.dataset.shown = shown;
}

function setVar(root, name, value) {
  if (value) { if (root.style.getPropertyValue(name) !== value) root.style.setProperty(name, value); }
  else if (root.style.getPropertyValue(name)) root.style.removeProperty(name);
}
