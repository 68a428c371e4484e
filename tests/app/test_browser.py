"""The app in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

UPDATE_SCREENSHOT=1 also writes the screenshots under docs/: screenshot.png (the answer), phone.png and
desktop.png (390×844 and 1400×900), articles.png (the table with eleven articles).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.app, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 90_000
PEOPLE_HU_MET = ("陈肇雄", "包卓蓝", "林中湘", "刘宇")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        msg = f"no browser at {CHROMIUM}: apt-get install -y chromium"
        pytest.fail(msg) if os.environ.get("CI") else pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    page.goto(app_server.url)
    page.wait_for_selector("#qa-status :text('articles')", timeout=WAIT_MS)
    yield page
    context.close()


def ask(page, question: str) -> None:
    page.fill("#qa-question textarea", question)
    page.press("#qa-question textarea", "Enter")


def wait_for_answer(page, turn: int) -> None:
    """Until answer ``turn`` has finished streaming (its sources block is rendered)."""
    page.wait_for_selector(f"#qa-sources details.qa-turn[data-turn='{turn}']", timeout=WAIT_MS)
    page.wait_for_selector(f"#qa-chat .qa-answer.qa-answer-{turn} a.qa-cite", timeout=WAIT_MS)


RECORD_ANSWER_STATES = """() => {
  window.__qaStates = [];
  new MutationObserver(() => {
    const all = document.querySelectorAll('#qa-chat .qa-answer');
    const text = all.length ? all[all.length - 1].innerText : null;
    if (text && window.__qaStates[window.__qaStates.length - 1] !== text) window.__qaStates.push(text);
  }).observe(document.querySelector('#qa-chat'), {subtree: true, childList: true, characterData: true});
}"""


SCROLLED_INTO_VIEW = """id => {
  const el = document.getElementById(id), r = el.getBoundingClientRect();
  const panel = el.closest('.qa-sources-panel').getBoundingClientRect();
  return r.top < window.innerHeight && r.bottom > 0 && r.top < panel.bottom && r.bottom > panel.top;
}"""


def test_streamed_answer_with_clickable_citations(page, tmp_path, quoted_in):
    page.evaluate(RECORD_ANSWER_STATES)
    ask(page, "胡昌升在北京和谁座谈？")  # the list form 胡昌升在北京会见了哪些人？ is tracked in tests/test_answer.py
    wait_for_answer(page, 1)
    states = page.evaluate("window.__qaStates")
    assert len(states) >= 2, states  # shown while it was produced, not only at the end
    answer = page.locator("#qa-chat .qa-answer.qa-answer-1")
    text = answer.inner_text()
    assert any(name in text for name in PEOPLE_HU_MET), text

    markers = answer.locator("a.qa-cite")
    assert markers.count() >= 2
    target = markers.nth(markers.count() - 1)
    source_id = target.get_attribute("href").lstrip("#")
    page.locator("#qa-sources").evaluate("el => el.querySelector('.qa-sources-panel').scrollTop = 0")
    target.click()
    card = page.locator(f"#{source_id}")
    page.wait_for_function("id => document.getElementById(id).classList.contains('qa-active')", arg=source_id)
    page.wait_for_function(SCROLLED_INTO_VIEW, arg=source_id, timeout=10_000)  # the jump scrolls smoothly
    assert card.is_visible()
    cited = card.locator("mark.qa-cited").all_inner_texts()
    assert cited and any(quoted_in(c, text) for c in cited), (cited, text)
    assert card.locator(".qa-title").inner_text().startswith("福建省委副书记")

    page.wait_for_timeout(1500)  # let the jump's scroll and flash settle
    shot = tmp_path / "answer.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, ROOT / "docs" / "screenshot.png")


def test_the_date_filter_limits_the_sources(page):
    # issue 11: the UI's date filter (Retrieval settings), in a browser; the bundled page is dated 2020-11
    page.get_by_text("Retrieval settings").click()
    since = page.locator("#qa-since input, #qa-since textarea").first
    since.fill("2021")
    ask(page, "胡昌升在北京和谁座谈？")
    turn = page.locator("#qa-sources details.qa-turn[data-turn='1']")
    turn.wait_for(timeout=WAIT_MS)
    assert turn.locator(".qa-none").count() == 1 and turn.locator(".qa-source").count() == 0
    assert "2021" in turn.locator(".qa-period").inner_text()
    since.fill("2020-11")  # every bundled article is dated 2020-11: the sources come back, with their date
    ask(page, "胡昌升在北京和谁座谈？")
    wait_for_answer(page, 2)
    cards = page.locator("#qa-sources details.qa-turn[data-turn='2'] .qa-date")
    assert cards.count() >= 1 and set(cards.all_inner_texts()) == {"2020-11"}
    assert "2020-11" in page.locator("#qa-sources details.qa-turn[data-turn='2'] .qa-period").inner_text()


def test_uploaded_markup_is_shown_as_text_and_never_runs(page, tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_text('本报讯 测试标题<script>window.__qaXss = 1</script>\n'
                    '厦门举办了防注入测试活动<img src=x onerror="window.__qaXss = 2">，'
                    "地点在会展中心，${window.__qaXss = 3}。\n", encoding="utf-8")
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#qa-upload input[type=file]", str(evil))
    page.wait_for_selector("#qa-notice li", timeout=WAIT_MS)
    assert "Added: 测试标题<script>window.__qaXss" in page.inner_text("#qa-notice")  # the title, as text
    page.wait_for_selector("#qa-articles :text('evil.txt')", timeout=WAIT_MS)
    assert "测试标题<script>window.__qaXss" in page.inner_text("#qa-articles")

    page.get_by_role("tab", name="Chat").click()
    ask(page, "防注入测试活动在哪里举办？")
    wait_for_answer(page, 1)
    assert '<img src=x onerror="window.__qaXss = 2">' in page.inner_text("#qa-chat .qa-answer.qa-answer-1")
    page.locator("#qa-chat .qa-answer.qa-answer-1 a.qa-cite").first.click()
    sources = page.inner_text("#qa-sources")
    assert "<script>window.__qaXss = 1</script>" in sources and "${window.__qaXss = 3}" in sources
    assert page.evaluate("window.__qaXss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("#qa-sources script, #qa-chat script").count() == 0

    # remove it again through the UI
    page.get_by_role("tab", name="Articles").click()
    page.locator("#qa-pick input").click()
    page.locator("#qa-pick input").fill("测试标题")
    page.get_by_role("option").filter(has_text="测试标题").first.click()
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#qa-notice :text('Removed: ')", timeout=WAIT_MS)
    page.wait_for_function("() => !document.querySelector('#qa-articles').innerText.includes('evil.txt')")
    assert page.evaluate("window.__qaXss") is None


def test_two_chats_at_once_keep_their_own_answers_and_history(browser, app_server):
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        p = context.new_page()
        p.goto(app_server.url)
        p.wait_for_selector("#qa-status :text('articles')", timeout=WAIT_MS)
        pages.append(p)
    a, b = pages
    try:
        ask(a, "胡昌升在北京会见了哪些人？")
        ask(b, "金砖创新基地建在哪里？")
        wait_for_answer(a, 1)
        wait_for_answer(b, 1)
        assert "胡昌升" in a.inner_text("#qa-chat .qa-answer.qa-answer-1")
        assert "金砖" in b.inner_text("#qa-chat .qa-answer.qa-answer-1")
        ask(a, "他和IBM谈了什么？")  # a follow-up resolved from a's history only
        wait_for_answer(a, 2)
        assert "IBM" in a.inner_text("#qa-chat .qa-answer.qa-answer-2")
        assert b.locator("#qa-chat .qa-answer").count() == 1
        assert "IBM" not in b.inner_text("#qa-chat")
    finally:
        for p in pages:
            p.context.close()


# --- phone (390×844) and desktop (1400×900) layout (issue 11) ---------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}

IN_WINDOW = """el => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""


def _open(browser, app_server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    page.goto(app_server.url)
    page.wait_for_selector("#qa-status :text('articles')", timeout=WAIT_MS)
    return page


@pytest.fixture
def phone(browser, app_server):
    page = _open(browser, app_server, PHONE)
    yield page
    page.context.close()


def rect(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height, "
        "right: r.right, bottom: r.bottom}; }")


def test_phone_question_box_takes_the_whole_width(phone):
    box, new = rect(phone, "#qa-question"), rect(phone, "#qa-new")
    row = rect(phone, "#qa-ask-row")
    assert box["w"] >= 0.95 * row["w"], (box, row)  # not squeezed beside "New chat"
    assert new["y"] >= box["bottom"] - 1  # "New chat" goes below it
    assert box["right"] <= PHONE["width"] and new["right"] <= PHONE["width"]


def test_phone_citation_jumps_to_its_source_and_back(phone, quoted_in):
    ask(phone, "胡昌升在北京会见了哪些人？")
    wait_for_answer(phone, 1)
    answer = phone.locator("#qa-chat .qa-answer.qa-answer-1")
    cite = answer.locator("a.qa-cite").last
    source_id = cite.get_attribute("href").lstrip("#")
    cite.click()
    card = phone.locator(f"#{source_id}")
    phone.wait_for_function(f"() => ({IN_WINDOW})(document.getElementById('{source_id}'))", timeout=10_000)
    assert "qa-active" in card.get_attribute("class")
    assert any(quoted_in(c, answer.inner_text()) for c in card.locator("mark.qa-cited").all_inner_texts())
    assert card.locator(".qa-date").inner_text() == "2020-11"  # and where that date came from
    assert card.locator(".qa-date-src").inner_text() == "(file name)"

    back = card.locator("a.qa-back")
    assert back.inner_text() == "↑ back to answer"
    back.click()
    # the answer's (first) [n] that cites this source is marked and scrolled into view
    marked = "#qa-chat .qa-answer-1 a.qa-cite.qa-active"
    phone.wait_for_function(f"() => ({IN_WINDOW})(document.querySelector('{marked}'))", timeout=10_000)
    assert phone.locator(marked).get_attribute("href") == f"#{source_id}"
    assert not phone.evaluate(f"() => ({IN_WINDOW})(document.getElementById('{source_id}'))")
    cite.click()  # and there again
    phone.wait_for_function(f"() => ({IN_WINDOW})(document.getElementById('{source_id}'))", timeout=10_000)


COVERED = """() => {
  // every visible element Gradio floats over the chat (its scroll arrow) against every answer line
  const floats = [...document.querySelectorAll('#qa-chat .scroll-down-button-container, #qa-chat .scroll-down-button')]
    .filter(el => { const s = getComputedStyle(el), r = el.getBoundingClientRect();
                    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; });
  const lines = [...document.querySelectorAll('#qa-chat .qa-answer')].flatMap(el => [...el.getClientRects()]);
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return floats.filter(f => lines.some(l => hit(f.getBoundingClientRect(), l))).length;
}"""


def test_phone_scroll_arrow_never_covers_the_answer(phone):
    for turn, q in enumerate(("胡昌升在北京会见了哪些人？", "金砖创新基地建在哪里？"), 1):
        ask(phone, q)
        wait_for_answer(phone, turn)
    for top in (0, 200, 400, 600):  # scrolled back up, where Gradio offers its "scroll down" arrow
        phone.locator("#qa-chat .bubble-wrap").first.evaluate(f"el => el.scrollTop = {top}")
        phone.wait_for_timeout(300)
        assert phone.evaluate(COVERED) == 0


TABLE_FITS = """() => {
  const wrap = document.querySelector('#qa-articles .qa-table-wrap').getBoundingClientRect();
  const out = {};
  for (const th of document.querySelectorAll('#qa-articles th')) {
    const r = th.getBoundingClientRect(), s = getComputedStyle(th);
    out[th.textContent] = {visible: s.display !== 'none' && r.width > 0,
                           inside: r.left >= wrap.left - 1 && r.right <= Math.min(wrap.right, window.innerWidth) + 1,
                           lines: (() => { const range = document.createRange(); range.selectNodeContents(th);
                                           return new Set([...range.getClientRects()].map(x => Math.round(x.top))).size; })(),
                           clipped: th.scrollWidth > th.clientWidth + 1};
  }
  return out;
}"""


def test_phone_articles_table_shows_title_date_and_id(phone):
    phone.get_by_role("tab", name="Articles").click()
    phone.wait_for_selector("#qa-articles tbody tr", timeout=WAIT_MS)
    cols = phone.evaluate(TABLE_FITS)
    for name in ("Title", "Date", "ID"):
        assert cols[name]["visible"] and cols[name]["inside"] and not cols[name]["clipped"], (name, cols)
    first = phone.locator("#qa-articles tbody tr").first
    for cell in ("qa-col-title", "qa-col-date", "qa-col-id"):
        assert phone.evaluate(IN_WINDOW.replace("r.top >= -1 && r.bottom <= window.innerHeight + 1",
                                                "r.left >= 0 && r.right <= window.innerWidth"),
                              first.locator(f"td.{cell}").element_handle()), cell


def _articles(n: int, tmp_path: Path) -> list[Path]:
    files = []
    for i in range(n):
        f = tmp_path / f"upload-{i}.txt"
        f.write_text(f"2020年11月{20 + i}日，厦门市第{i + 1}场布局测试活动在会展中心举办，"
                     f"共有{i + 3}家企业参加，签约项目{i + 2}个。", encoding="utf-8")
        files.append(f)
    return files


def test_desktop_table_with_eleven_articles_notices_plurals_and_sources_by_date(page, tmp_path, app_server):
    page.get_by_role("tab", name="Articles").click()
    files = _articles(7, tmp_path)
    client = app_server.client()
    before = {a["id"] for a in client.predict(api_name="/status")["articles"]}
    try:
        page.set_input_files("#qa-upload input[type=file]", [str(f) for f in files])
        page.wait_for_selector("#qa-notice :text('Added: ')", timeout=WAIT_MS)
        notice = page.inner_text("#qa-notice")
        assert notice.count("Added: ") == 7 and "(1 chunk, from upload-0.txt)" in notice
        page.wait_for_function("() => document.querySelectorAll('#qa-articles tbody tr').length === 11",
                               timeout=WAIT_MS)
        cols = page.evaluate(TABLE_FITS)
        assert list(cols) == ["Title", "Date", "Chunks", "Source", "File", "ID"]
        for name, col in cols.items():  # every header on one line, none cut, all on the page
            assert col["visible"] and col["inside"] and col["lines"] == 1 and not col["clipped"], (name, cols)
        assert "2020-11-20 (lead)" in page.inner_text("#qa-articles")  # the date read from the text's start
        shot = tmp_path / "articles.png"
        page.screenshot(path=shot, full_page=True)
        if os.environ.get("UPDATE_SCREENSHOT") == "1":
            shutil.copy(shot, ROOT / "docs" / "articles.png")
        text = page.inner_text("body")
        assert "11 articles" in text
        for word in ("chunk", "article", "file"):
            assert f" 1 {word}s" not in f" {text}" and f"\n1 {word}s" not in text, word

        # a file the browser refuses (wrong type) clears the previous upload's message
        bad = tmp_path / "notes.docx"
        bad.write_bytes(b"PK\x03\x04 not really a document")
        page.set_input_files("#qa-upload input[type=file]", str(bad))
        page.wait_for_timeout(1000)
        assert not page.locator("#qa-notice :text('Added: ')").first.is_visible()
        # and the next upload's message shows again
        page.set_input_files("#qa-upload input[type=file]", str(files[0]))
        page.wait_for_selector("#qa-notice :text('Already indexed: ')", timeout=WAIT_MS)
        assert page.locator("#qa-notice").is_visible() and "Added: " not in page.inner_text("#qa-notice")

        # the sources of an answer across these dated articles, by relevance and newest first
        page.get_by_role("tab", name="Chat").click()
        ask(page, "厦门市举办了哪些布局测试活动？")
        wait_for_answer(page, 1)
        cards = page.locator("#qa-sources details[data-turn='1'] li.qa-source")
        by_relevance = cards.evaluate_all("els => els.map(e => [e.dataset.n, e.dataset.date])")
        assert len({d for _, d in by_relevance}) >= 2, by_relevance
        assert [n for n, _ in by_relevance] == [str(i) for i in range(1, len(by_relevance) + 1)]
        page.locator("#qa-order label", has_text="newest first").click()
        page.wait_for_function("() => { const d = [...document.querySelectorAll(\"#qa-sources details[data-turn='1'] "
                               "li.qa-source\")].map(e => e.dataset.date); return d.every((x, i) => !i || d[i - 1] >= x); }")
        newest = cards.evaluate_all("els => els.map(e => [e.dataset.n, e.dataset.date])")
        assert newest == sorted(by_relevance, key=lambda x: x[1], reverse=True), (newest, by_relevance)
        assert all(t.endswith("(lead)") or t.endswith("(file name)")
                   for t in page.locator("#qa-sources .qa-meta").all_inner_texts())
        page.locator("#qa-order label", has_text="relevance").click()
        page.wait_for_function("n => document.querySelector(\"#qa-sources details[data-turn='1'] li.qa-source\")"
                               ".dataset.n === n", arg=by_relevance[0][0])
        assert cards.evaluate_all("els => els.map(e => [e.dataset.n, e.dataset.date])") == by_relevance

    finally:
        for a in client.predict(api_name="/status")["articles"]:
            if a["id"] not in before:
                client.predict(a["id"], api_name="/remove")


def test_screenshots_of_both_viewports(browser, app_server, tmp_path):
    """docs/phone.png and docs/desktop.png (written with UPDATE_SCREENSHOT=1)."""
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = _open(browser, app_server, viewport)
        try:
            ask(page, "胡昌升在北京会见了哪些人？")
            wait_for_answer(page, 1)
            page.locator("#qa-chat .qa-answer-1 a.qa-cite").first.click()
            page.wait_for_timeout(1500)
            shot = tmp_path / f"{name}.png"
            page.screenshot(path=shot, full_page=name == "phone")
            assert shot.stat().st_size > 10_000
            if os.environ.get("UPDATE_SCREENSHOT") == "1":
                shutil.copy(shot, ROOT / "docs" / f"{name}.png")
        finally:
            page.context.close()
