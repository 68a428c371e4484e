"""The app in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

UPDATE_SCREENSHOT=1 also writes the answer screenshot to docs/screenshot.png.
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
    ask(page, "胡昌升在北京会见了哪些人？")
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
