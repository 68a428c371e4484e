"""The app's CSS and the little JavaScript that makes ``[n]`` jump to its source and back."""

CSS = """
.qa-answer { line-height: 1.7; }
.qa-answer a.qa-cite { text-decoration: none; font-weight: 600; padding: 0 1px; border-radius: 3px;
  color: var(--color-accent); cursor: pointer; }
.qa-answer a.qa-cite:hover { background: var(--color-accent-soft); }
.qa-pending { opacity: .75; font-style: italic; }
.qa-answered-by { margin-top: .4em; font-size: .8em; opacity: .65; }
#qa-new { white-space: nowrap; }
.qa-status { padding: 6px 10px; border-radius: 6px; background: var(--block-background-fill); font-size: .95em; }
.qa-building, .qa-empty { background: var(--color-accent-soft); }
.qa-error { color: var(--error-text-color, #b91c1c); }
.qa-sources-panel { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.qa-turn { margin-bottom: 8px; border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 4px 8px; }
.qa-turn > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.qa-q { display: inline-block; min-width: 2em; color: var(--body-text-color-subdued); }
ol.qa-sources { list-style: none; padding: 0; margin: 4px 0; }
li.qa-source { margin: 6px 0; padding: 6px 8px; border-radius: 6px; border-left: 3px solid var(--border-color-primary);
  transition: background-color .4s; }
li.qa-source.qa-active { border-left-color: var(--color-accent); background: var(--color-accent-soft); }
li.qa-source.qa-flash { animation: qa-flash 1.2s ease-out; }
@keyframes qa-flash { from { box-shadow: 0 0 0 3px var(--color-accent); } to { box-shadow: 0 0 0 0 transparent; } }
.qa-n { font-weight: 700; color: var(--color-accent); }
.qa-title { font-weight: 600; }
.qa-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
div.qa-passage { font-size: .92em; line-height: 1.65; word-break: break-word; }
mark.qa-cited { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.qa-none { color: var(--body-text-color-subdued); }
.qa-date-src, .qa-undated { opacity: .8; font-size: .92em; }
.qa-period { margin: 2px 0 4px; font-size: .85em; color: var(--body-text-color-subdued); }
a.qa-back { display: inline-block; margin-top: 4px; font-size: .85em; text-decoration: none; color: var(--color-accent); }
#qa-sources-head { align-items: center; gap: 8px; }
#qa-sources-head > * { flex: 0 1 auto; min-width: 0; }
#qa-order { flex: 0 0 auto; }
/* Gradio's "scroll to the newest message" arrow floats over the middle of the chat, on top of
   the answer text; the chat scrolls to a new answer by itself, so it is left out */
#qa-chat .scroll-down-button-container { display: none !important; }
/* the articles table: every column fits; the title wraps, nothing else does */
.qa-table-wrap { overflow-x: auto; }
table.qa-articles { width: 100%; border-collapse: collapse; font-size: .92em; }
table.qa-articles caption { text-align: left; padding: 2px 0 6px; color: var(--body-text-color-subdued); }
table.qa-articles th, table.qa-articles td { padding: 6px 8px; text-align: left; vertical-align: top;
  border-width: 0 0 1px 0 !important; border-style: solid; border-color: var(--border-color-primary); }
table.qa-articles th { white-space: nowrap; font-weight: 600; }
table.qa-articles td.qa-col-title { word-break: break-word; min-width: 8em; }
table.qa-articles .qa-col-date, table.qa-articles .qa-col-chunks, table.qa-articles .qa-col-id,
table.qa-articles .qa-col-file { white-space: nowrap; }
table.qa-articles .qa-col-chunks { text-align: right; }
table.qa-articles .qa-col-source { min-width: 4em; }
@media (max-width: 640px) {
  /* the question gets the whole width; "New chat" goes below it */
  #qa-ask-row { flex-wrap: wrap; }
  #qa-ask-row > .form:has(#qa-question) { flex: 1 1 100% !important; min-width: 100% !important; }
  #qa-ask-row > #qa-new { flex: 0 0 auto; margin-left: auto; }
  /* on a phone the page scrolls, not a box inside it */
  .qa-sources-panel { max-height: none; overflow: visible; }
  table.qa-articles .qa-col-source, table.qa-articles .qa-col-file { display: none; }
  table.qa-articles .qa-date-src { display: block; }
  table.qa-articles th, table.qa-articles td { padding: 6px 4px; }
}
.qa-notice ul { margin: 4px 0; padding-left: 1.2em; }
#qa-notice.qa-stale { display: none; }
.qa-answer a.qa-cite.qa-active { background: var(--color-accent-soft); }
.qa-answer a.qa-cite.qa-flash { animation: qa-flash 1.2s ease-out; }
.qa-notice.qa-error { color: var(--error-text-color, #b91c1c); }
.qa-notice.qa-warn { color: var(--body-text-color-subdued); }
"""

# Runs once when the sources panel loads (gr.HTML js_on_load). Capturing listeners on the
# document, because the answers live in the chatbot, a different component:
# [n] in an answer jumps to its source; "back to answer" under a source jumps back to the
# answer and marks the [n] that cites it; choosing files hides the previous upload's message
# (a file the browser refuses by type or size never reaches the server to replace it).
CITE_JS = """
if (!window.__qaCites) {
  window.__qaCites = true;
  var narrow = function () { return window.innerWidth <= 640; };
  var flash = function (el) {
    el.classList.remove('qa-flash');
    void el.offsetWidth;
    el.classList.add('qa-flash');
  };
  document.addEventListener('click', function (ev) {
    var t = ev.target && ev.target.closest ? ev.target : null;
    if (!t) return;
    var a = t.closest('a.qa-cite');
    if (a) {
      var id = (a.getAttribute('href') || '').replace(/^#/, '');
      var el = id ? document.getElementById(id) : null;
      if (!el) return;
      ev.preventDefault();
      ev.stopPropagation();
      var box = el.closest('details');
      if (box) box.open = true;
      document.querySelectorAll('li.qa-source.qa-active').forEach(function (x) { x.classList.remove('qa-active'); });
      el.classList.add('qa-active');
      flash(el);
      el.scrollIntoView({behavior: 'smooth', block: narrow() ? 'start' : 'nearest'});
      return;
    }
    var back = t.closest('a.qa-back');
    if (back) {
      ev.preventDefault();
      ev.stopPropagation();
      var turn = back.getAttribute('data-turn'), n = back.getAttribute('data-n');
      var answer = document.querySelector('#qa-chat .qa-answer-' + turn);
      if (!answer) return;
      var cite = answer.querySelector('a.qa-cite[href="#qa-src-' + turn + '-' + n + '"]') || answer;
      document.querySelectorAll('#qa-chat a.qa-cite.qa-active').forEach(function (x) { x.classList.remove('qa-active'); });
      cite.classList.add('qa-active');
      flash(cite);
      cite.scrollIntoView({behavior: 'smooth', block: 'center'});
    }
  }, true);
  var stale = function (ev) {
    if (ev.target && ev.target.closest && ev.target.closest('#qa-upload')) {
      var notice = document.querySelector('#qa-notice');
      if (notice) notice.classList.add('qa-stale');
    }
  };
  document.addEventListener('change', stale, true);
  document.addEventListener('drop', stale, true);
  new MutationObserver(function (changes) {  // the server's next message shows again
    var notice = document.querySelector('#qa-notice');
    if (notice && changes.some(function (m) { return notice.contains(m.target) && m.target !== notice; })) {
      notice.classList.remove('qa-stale');
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""
