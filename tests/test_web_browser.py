"""The web pages in a real browser: Debian's headless Chromium driven by selenium through
/usr/bin/chromedriver (scripts/chromium.sh installs both when missing; selenium never downloads a
driver). JavaScript is switched off: every page must work without it.

Under CI=true a missing browser or driver fails; elsewhere these tests skip with the reason.
Set KGTOOL_SCREENSHOTS=DIR to keep the screenshots.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from conftest_server import ServerProcess

SEED = (ROOT / "seeds" / "songjiang-advanced-manufacturing.txt").read_text(encoding="utf-8")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1800", "--blink-settings=scriptEnabled=false")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need it under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    rc = subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True,
                        text=True, timeout=900)
    if rc.returncode != 0:
        _unavailable(f"scripts/chromium.sh exited {rc.returncode}: {rc.stderr.strip()[-300:]}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install '.[test]')")
    profile = tempfile.mkdtemp(prefix="kgtool-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    subprocess.run(["rm", "-rf", profile], check=False)


@pytest.fixture(scope="module")
def site():
    srv = ServerProcess(["--quiet", "--workers", "1"])
    yield srv
    srv.stop()


def _shot(driver, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KGTOOL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def _follower(browser):
    """A click on a link or button that loads a new page, waiting until the old page is gone:
    reading an element of the old page while the new one loads is a stale reference."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    def follow(element) -> None:
        page = browser.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(browser, 30).until(ec.staleness_of(page))

    return follow


def test_entity_page_highlights_the_seed_and_links_to_the_source(browser, site, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site.base + "/id/place/洞泾镇")            # the thing's IRI: 303 to its page
    assert browser.current_url.endswith("/id/place/%E6%B4%9E%E6%B3%BE%E9%95%87.html")
    assert browser.find_element(By.CSS_SELECTOR, "h1 bdi[lang='zh-Hans']").text == "洞泾镇"
    assert browser.find_element(By.CSS_SELECTOR, "h1 bdi[lang='en']").text == "Dongjing Town"
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.quote")
    assert len(marks) >= 2
    for mark in marks:
        start, end = int(mark.get_attribute("data-start")), int(mark.get_attribute("data-end"))
        assert mark.get_attribute("textContent") == SEED[start:end]
        assert mark.is_displayed()
    _shot(browser, "entity.png", tmp_path)
    first = marks[0]
    start, end = first.get_attribute("data-start"), first.get_attribute("data-end")
    _follower(browser)(browser.find_elements(By.CSS_SELECTOR, "a.to-source")[0])
    assert "/id/source/songjiang-advanced-manufacturing.html" in browser.current_url
    assert browser.current_url.endswith(f"#span-{start}-{end}")
    item = browser.find_element(By.ID, f"span-{start}-{end}")
    assert "洞泾镇" in item.text                              # the span lists the fact it supports
    article = browser.find_element(By.CSS_SELECTOR, "article.source")
    assert article.get_attribute("textContent") == SEED
    assert browser.find_elements(By.CSS_SELECTOR, "article.source a.hl")
    _shot(browser, "source.png", tmp_path)


def test_named_query_from_the_query_page(browser, site, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    from kgtool import query as q
    from kgtool.namespaces import PREFIXES

    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    follow = _follower(browser)
    browser.get(site.base + "/query.html")
    follow(browser.find_element(By.CSS_SELECTOR, "a.example[data-name='cq02']"))
    text = browser.find_element(By.ID, "query").get_attribute("value")
    assert "SELECT" in text
    follow(browser.find_element(By.ID, "run"))                # submit the form (no script)
    table = WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "results")))
    head = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    store, _, _ = q.load_store([q.DataSource(str(ROOT / "graph" / "songjiang.ttl"))])
    res = store.query(text, prefixes=PREFIXES)
    names = [v.value for v in res.variables]
    expected = [[s[n] for n in names] for s in res]
    assert head == ["?" + n for n in names] and len(rows) == len(expected) > 0
    first = [td.text for td in rows[0].find_elements(By.TAG_NAME, "td")]
    import pyoxigraph as ox

    for cell, term in zip(first, expected[0]):
        if isinstance(term, ox.Literal):          # IRIs are shown by their labels
            assert term.value in cell
    assert browser.find_elements(By.CSS_SELECTOR, "a.download")
    _shot(browser, "query.png", tmp_path)
