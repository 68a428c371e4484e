"""The app's CSS and the little JavaScript that makes ``[n]`` jump to its source."""

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
.qa-notice ul { margin: 4px 0; padding-left: 1.2em; }
.qa-notice.qa-error { color: var(--error-text-color, #b91c1c); }
.qa-notice.qa-warn { color: var(--body-text-color-subdued); }
"""

# Runs once when the sources panel loads (gr.HTML js_on_load). A capturing listener on
# the document, because the answers live in the chatbot, a different component.
CITE_JS = """
if (!window.__qaCites) {
  window.__qaCites = true;
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a.qa-cite') : null;
    if (!a) return;
    var id = (a.getAttribute('href') || '').replace(/^#/, '');
    var el = id ? document.getElementById(id) : null;
    if (!el) return;
    ev.preventDefault();
    ev.stopPropagation();
    var box = el.closest('details');
    if (box) box.open = true;
    document.querySelectorAll('li.qa-source.qa-active').forEach(function (x) { x.classList.remove('qa-active'); });
    el.classList.add('qa-active');
    el.classList.remove('qa-flash');
    void el.offsetWidth;
    el.classList.add('qa-flash');
    el.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  }, true);
}
"""
