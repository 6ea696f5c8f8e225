"""The web app in a real browser: headless Chromium from the system's packages, driven by Selenium
through the system's chromedriver (nothing downloaded). Skips with the reason when either is absent
(scripts/test.sh installs them where it can: root and apt).

One walk through the demo store: every page is opened and checked, overview -> person -> check is
clicked through, the draft's verdict changes as it is typed, a file is imported by the Sources
page, and every request the browser made went to the server on 127.0.0.1. Screenshots of each
page go to $CLOSEKNIT_ARTIFACTS (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
    HAVE_SELENIUM = True
except ImportError:  # pragma: no cover - the test extras install it
    HAVE_SELENIUM = False

pytestmark = pytest.mark.skipif(
    not HAVE_SELENIUM or not CHROMIUM or not CHROMEDRIVER,
    reason="browser tests need chromium and chromedriver from the system's packages (apt-get install chromium "
           "chromium-driver) and selenium (the test extras)",
)


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1400",
              "--no-first-run", "--disable-background-networking", "--disable-component-update"):
        opts.add_argument(a)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    d = Path(os.environ.get("CLOSEKNIT_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _requests(drv) -> list[str]:
    urls = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _wait(drv, cond, timeout=30):
    try:
        return WebDriverWait(drv, timeout, poll_frequency=0.1).until(lambda d: cond(d))
    except Exception:
        raise AssertionError(f"timed out on {drv.current_url}: {drv.find_element(By.TAG_NAME, 'main').text[-600:]}") from None


def test_walk_through_every_page(served, browser, artifacts, tmp_path):
    base, token, _, _ = served
    drv = browser
    seen: list[str] = []

    # a request without the token is refused, in the browser too
    drv.get(base + "/")
    assert "403" in drv.find_element(By.TAG_NAME, "body").text

    # overview: the designed fading friend is in the attention list, with the reason
    drv.get(f"{base}/?token={token}")
    assert drv.current_url == base + "/"
    att = drv.find_element(By.ID, "attention").text
    assert "Priya Raman" in att and "fading" in att
    assert drv.find_elements(By.CSS_SELECTOR, "#circles svg a circle")
    assert "Dominic Hale" in drv.find_element(By.ID, "feels-known").text
    drv.save_screenshot(str(artifacts / "overview.png"))

    # overview -> person (click her name in the attention list)
    row = next(r for r in drv.find_elements(By.CSS_SELECTOR, "#attention tr") if "Priya Raman" in r.text and "fading" in r.text)
    row.find_element(By.LINK_TEXT, "Priya Raman").click()
    _wait(drv, lambda d: d.find_element(By.TAG_NAME, "h1").text.startswith("Priya Raman"))
    assert "fading" in drv.find_element(By.TAG_NAME, "h1").text
    lanes = drv.find_element(By.CSS_SELECTOR, "#timeline svg").text
    assert "whatsapp" in lanes
    drv.save_screenshot(str(artifacts / "person.png"))

    # person -> check a draft, preselected; the verdict follows the typing
    drv.find_element(By.PARTIAL_LINK_TEXT, "Check a draft to").click()
    _wait(drv, lambda d: d.find_elements(By.ID, "text"))
    assert Select(drv.find_element(By.ID, "to")).first_selected_option.text == "Priya Raman"
    box = drv.find_element(By.ID, "verdict")
    text = drv.find_element(By.ID, "text")
    text.send_keys("See you at the market on Saturday?")
    _wait(drv, lambda d: box.get_attribute("data-verdict") == "fine")
    # to a LinkedIn acquaintance the same box judges a personal advance as ahead
    Select(drv.find_element(By.ID, "to")).select_by_visible_text("Gareth Pryce")
    Select(drv.find_element(By.ID, "channel")).select_by_visible_text("linkedin")
    text.clear()
    text.send_keys("Thanks for the brief.")
    _wait(drv, lambda d: box.get_attribute("data-verdict") == "fine")
    first = box.find_element(By.CLASS_NAME, "explanation").text
    text.clear()
    text.send_keys("Are you seeing anyone? I'd love to take you to dinner")
    _wait(drv, lambda d: box.get_attribute("data-verdict") in ("ahead of the relationship", "well ahead"))
    assert box.find_element(By.CLASS_NAME, "explanation").text != first
    assert "Gareth Pryce" in box.text
    drv.save_screenshot(str(artifacts / "check.png"))

    # the premature LinkedIn message is in Gareth's story, marked on his timeline
    drv.get(base + "/people")
    drv.find_element(By.ID, "q").send_keys("gareth")
    visible = [r for r in drv.find_elements(By.CSS_SELECTOR, "#people tbody tr") if r.is_displayed()]
    assert [r.find_element(By.TAG_NAME, "a").text for r in visible] == ["Gareth Pryce"]
    drv.find_element(By.ID, "q").send_keys(Keys.BACKSPACE * 6)  # clear() fires no input event
    Select(drv.find_element(By.ID, "f-trajectory")).select_by_visible_text("fading")
    fading = [r.find_element(By.TAG_NAME, "a").text for r in drv.find_elements(By.CSS_SELECTOR, "#people tbody tr")
              if r.is_displayed()]
    assert "Priya Raman" in fading and "Gareth Pryce" not in fading
    Select(drv.find_element(By.ID, "f-trajectory")).select_by_index(0)
    drv.save_screenshot(str(artifacts / "people.png"))
    drv.find_element(By.LINK_TEXT, "Gareth Pryce").click()
    _wait(drv, lambda d: d.find_element(By.TAG_NAME, "h1").text.startswith("Gareth Pryce"))
    ahead = drv.find_element(By.ID, "ahead").text
    assert "linkedin" in ahead and "Are you seeing anyone?" in ahead
    assert drv.find_elements(By.CSS_SELECTOR, "#timeline svg .ahead")
    assert "linkedin" in drv.find_element(By.ID, "identities").text
    drv.save_screenshot(str(artifacts / "person-gareth.png"))

    # network and sources
    drv.get(base + "/network")
    assert "Tomás Ferreira" in drv.find_element(By.ID, "newcomers").text
    assert drv.find_elements(By.CSS_SELECTOR, "#graph svg circle")
    drv.save_screenshot(str(artifacts / "network.png"))
    drv.get(base + "/sources")
    n_sources = len(drv.find_elements(By.CSS_SELECTOR, "#sources tbody tr"))
    assert "linkedin" in drv.find_element(By.ID, "sources").text

    # import a file through the page, with progress; the new source is listed after
    csv = tmp_path / "club.csv"
    csv.write_text("src,dst,ts,text\nkim@club.example,lee@club.example,2026-10-20T10:00:00Z,hello\n"
                   "lee@club.example,kim@club.example,2026-10-21T10:00:00Z,hi back\n", encoding="utf-8")
    picker = drv.find_element(By.ID, "file")
    drv.execute_script("arguments[0].hidden = false", picker)
    picker.send_keys(str(csv))
    _wait(drv, lambda d: "added 2" in d.find_element(By.ID, "progress").text, timeout=300)  # the import, then keeping the measures: minutes under load
    _wait(drv, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sources tbody tr")) == n_sources + 1, timeout=30)
    assert "club.csv" in drv.find_element(By.ID, "sources").text
    drv.save_screenshot(str(artifacts / "sources.png"))

    # nothing but the server on 127.0.0.1 was ever asked for anything
    seen = _requests(drv)
    assert seen and all(u.startswith(base + "/") or u.startswith("data:") for u in seen), \
        [u for u in seen if not u.startswith(base)]
    for name in ("overview", "person", "check", "people", "network", "sources"):
        assert (artifacts / f"{name}.png").stat().st_size > 10_000
