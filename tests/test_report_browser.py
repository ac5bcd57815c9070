"""The HTML report in a real browser: Debian's chromium, headless, driven by selenium
through Debian's chromedriver (both installed by `make setup`; nothing is downloaded at
run time, and the driver is reached on 127.0.0.1 only, which --block-network allows).

Every citation of the committed report is clicked: its passage must be shown, visible,
highlighted, with exactly the text of the passage in the JSON outputs. One citation of
each kind gets a real mouse click. No console errors; a screenshot goes to tmp_path."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.command import Command
from test_report import hostile_out  # noqa: F401 (a fixture)

from pipeline.outputs.passages import passages_in

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "outputs"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Remote]:
    for path in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(path), f"{path} is missing: run `make setup` (installs chromium)"
    port = _free_port()
    driver_log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    server = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1", f"--log-path={driver_log}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        profile = tmp_path_factory.mktemp("profile")
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=10)


def json_passages(out: Path) -> dict[tuple[str, int, int], str]:
    found = {}
    for file in [out / "brief.json", *sorted((out / "sources").glob("*.json"))]:
        for p in passages_in(json.loads(file.read_text(encoding="utf-8"))):
            found[(str(p["source_id"]), p["char_start"], p["char_end"])] = p["text"]
    return found


CHECK_ALL = """
const out = [];
for (const a of document.querySelectorAll('a.cite')) {
  a.click();
  const mark = document.querySelector('mark.hl');
  const r = mark ? mark.getBoundingClientRect() : null;
  out.push({s: a.dataset.s, a: +a.dataset.a, b: +a.dataset.b, id: a.id,
            text: mark ? mark.textContent : null,
            visible: !!r && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
            bg: mark ? getComputedStyle(mark).backgroundColor : null,
            where: mark ? mark.closest('details').querySelector('.where').textContent : null});
}
return out;
"""


def severe(driver: webdriver.Remote) -> list[dict[str, Any]]:
    entries = driver.execute(Command.GET_LOG, {"type": "browser"})["value"]
    return [e for e in entries if e["level"] == "SEVERE"]


def test_every_citation_in_the_committed_report_highlights_its_passage(
    browser: webdriver.Remote, tmp_path: Path
) -> None:
    report = OUTPUTS / "report.html"
    browser.get(report.as_uri())
    expected = json_passages(OUTPUTS)
    results = browser.execute_script(CHECK_ALL)
    assert len(results) >= len(expected) > 0
    for r in results:
        key = (r["s"], r["a"], r["b"])
        assert r["text"] == expected[key], key
        assert r["visible"], key
        assert r["bg"] not in (None, "rgba(0, 0, 0, 0)"), key
        assert r["where"].startswith(f"source {r['s']}") and " L" in r["where"]
    assert severe(browser) == []


def test_one_citation_of_each_kind_by_mouse_click_and_back(
    browser: webdriver.Remote, tmp_path: Path
) -> None:
    browser.get((OUTPUTS / "report.html").as_uri())
    expected = json_passages(OUTPUTS)
    kinds: dict[str, Any] = {}  # the first citation under each section heading
    for link in browser.find_elements(By.CSS_SELECTOR, "a.cite"):
        section = browser.execute_script(
            "const s = arguments[0].closest('section');"
            "let h = null; for (const x of s.querySelectorAll('h3')) {"
            "  if (x.compareDocumentPosition(arguments[0]) & 4) h = x; }"
            "return (s.id.startsWith('src-') ? 'source ' : 'cross ') + (h ? h.textContent : '');",
            link,
        )
        kinds.setdefault(section, link)
    assert any(k.startswith("cross") for k in kinds) and any(k.startswith("source") for k in kinds)
    for kind, link in kinds.items():
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
        mark = browser.find_element(By.CSS_SELECTOR, "mark.hl")
        assert mark.is_displayed(), kind
        key = (
            link.get_attribute("data-s"),
            int(link.get_attribute("data-a") or -1),
            int(link.get_attribute("data-b") or -1),
        )
        assert browser.execute_script("return arguments[0].textContent", mark) == expected[key]
        where = mark.find_element(By.XPATH, "ancestor::details").find_element(
            By.CSS_SELECTOR, ".where"
        )
        assert where.is_displayed() and link.get_attribute("data-where") in where.text
        back = where.find_element(By.CSS_SELECTOR, "a.back")
        assert back.get_attribute("href").endswith(f"#{link.get_attribute('id')}")
    browser.save_screenshot(str(tmp_path / "report.png"))
    back.click()
    assert browser.execute_script("return location.hash") == f"#{link.get_attribute('id')}"
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert severe(browser) == []


def test_markup_in_transcripts_and_model_text_stays_inert(
    browser: webdriver.Remote,
    hostile_out: Path,  # noqa: F811 (the fixture)
) -> None:
    """A report whose transcript and model strings carry <script>, onerror and
    javascript: payloads: after every citation is clicked, none has run."""
    browser.get((hostile_out / "report.html").as_uri())
    results = browser.execute_script(CHECK_ALL)
    expected = json_passages(hostile_out)
    assert results and all(r["text"] == expected[(r["s"], r["a"], r["b"])] for r in results)
    for link in browser.find_elements(By.CSS_SELECTOR, "main a:not(.cite)"):
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "main img, main script") == []
    shown = browser.find_element(By.TAG_NAME, "main").text
    assert "<script>window.__pwned = 1</script>" in shown  # shown as text
    assert severe(browser) == []


def test_console_errors_are_seen(browser: webdriver.Remote, tmp_path: Path) -> None:
    """The console check above can fail: a page that throws is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><script>null.boom()</script>", encoding="utf-8")
    browser.get(page.as_uri())
    assert any("boom" in e["message"] for e in severe(browser))
