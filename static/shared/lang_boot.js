// Before the first paint (a classic script in <head>, templates/base.html): <html data-lang lang> from
// ?lang=en|zh or the remembered choice, so a page switched to English never flashes Chinese first.
// Everything else (the switch, the wrapping, tr) is shared/lang.js.
(function () {
  var l = 'zh';
  try {
    var q = new URLSearchParams(location.search).get('lang');
    l = q === 'en' || q === 'zh' ? q : (localStorage.getItem('rj:lang') === 'en' ? 'en' : 'zh');
  } catch (e) { /* private mode: Chinese */ }
  document.documentElement.setAttribute('data-lang', l);
  document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
}());
