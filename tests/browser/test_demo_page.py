"""``ipbot demo`` in headless Chromium: a commissioner logs an on-site visit by tapping, the
entity's contact confirms it, the supervisor gets the digest with its chart — then the same
page in English, the scheduled side, and a clean stop that used no network.

The demo runs as the real console script with the network guard on (any socket that is not
loopback is refused and reported on stderr). Screenshots go to ``artifacts/screenshots/``
(ignored by git; CI keeps them as artifacts); the start-up time to "ready" is written to
``artifacts/demo-startup.json`` and attached to the test report.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.netguard import ENV as GUARD_ENV
from bot.demo.netguard import MARK as GUARD_MARK
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DEADLINE = 60.0  # generous: the machine may be busy
PHONE = {"width": 390, "height": 844, "pixelRatio": 2.0}


# ------------------------------------------------------------------ the demo process


class DemoProcess:
    def __init__(self, workdir: Path) -> None:
        script = Path(sys.executable).with_name("ipbot")
        env = {k: v for k, v in os.environ.items() if not k.startswith("IPBOT_")}
        env |= {GUARD_ENV: "1", "PYTHONUNBUFFERED": "1"}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(script), "demo", "--port", "0"], cwd=workdir, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        for stream, sink in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        self.url = self._wait_ready()
        self.startup_seconds = time.perf_counter() - self.started

    def _pump(self, stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)
            if sink is self.stdout:
                self.lines.put(line)

    def _wait_ready(self) -> str:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                return found.group(0)
        self.proc.kill()
        raise AssertionError(f"the demo did not get ready:\n{''.join(self.stdout)}"
                             f"{''.join(self.stderr)}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    process = DemoProcess(tmp_path_factory.mktemp("demo"))
    try:
        yield process
    finally:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait(timeout=DEADLINE)


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "Chromium and its driver are missing: run ./scripts/setup --test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ipbot-demo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--lang=zh-CN"):
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(DEADLINE)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The demo page as a visitor uses it, with conditions to wait on (never sleeps)."""

    def __init__(self, driver: Any) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.wait = WebDriverWait(driver, DEADLINE, poll_frequency=0.05)

    def until(self, condition: Callable[[], Any], what: str) -> Any:
        from selenium.common.exceptions import (
            ElementClickInterceptedException,
            StaleElementReferenceException,
            TimeoutException,
        )

        def check(_: Any) -> Any:
            try:
                return condition()
            except (StaleElementReferenceException,  # re-rendered meanwhile: look again
                    ElementClickInterceptedException):  # covered for a moment
                return False

        try:
            return self.wait.until(check)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}; last messages:\n"
                                 + "\n".join(self.texts()[-4:])) from None

    def find(self, xpath: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.XPATH, xpath)

    def texts(self, side: str = "bot") -> list[str]:
        return [m.text for m in self.find(f"//div[@data-from='{side}']")]

    def last_bot(self, contains: str) -> Any:
        """Wait until the newest bot message contains ``contains``; return it."""
        def newest() -> Any:
            found = self.find("(//div[@data-from='bot'])[last()]")
            return found[0] if found and contains in found[0].text else None
        return self.until(newest, f"a bot message containing {contains!r}")

    def any_bot(self, contains: str) -> Any:
        def some() -> Any:
            found = [m for m in self.find("//div[@data-from='bot']") if contains in m.text]
            return found[-1] if found else None
        return self.until(some, f"some bot message containing {contains!r}")

    def click(self, xpath: str, what: str) -> None:
        def clicked() -> bool:
            found = self.find(xpath)
            if not found or not found[-1].is_enabled():
                return False
            found[-1].click()
            return True
        self.until(clicked, what)

    def press(self, button: str) -> None:
        """Tap an inline button of the newest message that has it."""
        self.click(f"//div[@data-from='bot']//button[contains(@class,'ibtn')]"
                   f"[normalize-space(.)='{button}']", f"inline button {button!r}")

    def tap(self, button: str) -> None:
        """Tap a reply-keyboard button."""
        self.click(f"//div[@id='keyboard']//button[normalize-space(.)='{button}']",
                   f"keyboard button {button!r}")

    def type(self, text: str) -> None:
        box = self.find("//textarea[@id='composer-input']")[0]
        box.clear()
        box.send_keys(text)
        self.click("//button[@id='send']", "the send button")
        self.until(lambda: self.texts("user") and text in self.texts("user")[-1],
                   f"our message {text!r}")

    def be(self, persona: str) -> None:
        self.click(f"//button[@data-persona='{persona}' and not(ancestor::*[@hidden])]",
                   f"person {persona}")
        self.until(lambda: self.find(f"//nav//button[@data-persona='{persona}' and "
                                     "contains(@class,'current')]"), f"{persona} chosen")
        self.until(lambda: self.find("//div[@data-from]"), "the chat")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


# ------------------------------------------------------------------ the test


def test_visit_confirmation_and_digest_in_the_browser(demo: DemoProcess, browser: Any,
                                                      record_property: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "demo-startup.json").write_text(json.dumps(
        {"startup_seconds": round(demo.startup_seconds, 3)}))
    record_property("demo_startup_seconds", round(demo.startup_seconds, 3))
    page = Page(browser)
    browser.get(demo.url)
    page.until(lambda: page.find("//div[@id='picker' and not(@hidden)]//button[@data-persona]"),
               "the list of people")
    page.shot("0-pick-a-person-zh")

    # A commissioner logs a full on-site visit by tapping.
    page.be("commissioner")
    page.any_bot("还剩")  # the seeded reminder: 浙江大学 has no on-site visit this year yet
    page.tap("📝 记录走访")
    page.last_bot("哪个服务对象")
    page.press("浙江大学")
    page.last_bot("走访日期")
    page.press("昨天")
    page.last_bot("服务方式")
    page.press("🏢 现场（计入走访要求）")
    page.last_bot("哪些任务")
    page.press("▫️ 了解情况")
    page.until(lambda: page.find("//button[normalize-space(.)='✅ 了解情况']"), "the task ticked")
    page.press("▫️ 指导业务")
    page.until(lambda: page.find("//button[normalize-space(.)='✅ 指导业务']"), "the task ticked")
    page.press("下一步 ▶️")
    page.last_bot("简要说明本次服务情况")
    page.type("现场了解专利转化情况，指导完善知识产权管理制度。")
    page.last_bot("需求")
    page.press("⏭ 跳过")
    page.last_bot("跟进")
    page.press("⏭ 跳过")
    page.last_bot("发送当前位置")
    page.until(lambda: page.find("//div[@id='keyboard']//button[@data-kind='location']"),
               "the location button")
    page.tap("📍 发送当前位置")
    page.any_bot("位置已记录")
    page.last_bot("照片")
    page.click("//button[@id='attach']", "the attach button")
    page.click("//button[@id='attach-photo']", "send a photo")
    page.last_bot("已收到第 1 张")
    page.until(lambda: page.find("//div[@data-from='user' and @data-kind='photo']//img"),
               "our photo")
    page.press("✅ 完成（已收到 1 张）")  # the photo's acknowledgement carries the way on
    page.last_bot("报酬")
    page.press("✅ 我确认")
    card = page.last_bot("请核对")
    for part in ("浙江大学", "现场", "了解情况、指导业务", "1 张"):
        assert part in card.text, part
    page.press("✅ 提交")
    done = page.last_bot("已提交，编号")
    assert "计入走访要求" in done.text
    page.shot("1-commissioner-submitted-visit-zh")

    # The entity's contact confirms it, and rates it.
    page.be("contact")
    ask = page.last_bot("报告于")
    assert "王敏" in ask.text and "浙江大学" in ask.text
    page.press("✅ 确认")
    page.last_bot("打分")
    page.press("5")
    page.last_bot("收到 5 分")
    page.shot("2-contact-confirmed-zh")

    # The supervisor gets the weekly digest, chart shown, workbook downloadable.
    page.be("supervisor")
    page.click("//button[@id='digest-now']", "the digest button")
    page.until(lambda: browser.execute_script(
        "const i = document.querySelector(\"div[data-from='bot'][data-kind='photo'] img\");"
        "return i && i.complete && i.naturalWidth > 400;"), "the digest chart, drawn")
    xlsx = page.until(lambda: [a for a in page.find(
        "//div[@data-from='bot' and @data-kind='document']//a[@download]")
        if a.get_attribute("download").endswith(".xlsx")], "the digest workbook")
    assert xlsx[0].get_attribute("href").startswith(demo.url + "api/file/")
    page.any_bot("全省")
    # the chart in view, as the supervisor would look at it
    browser.execute_script(
        "document.querySelector(\"div[data-from='bot'][data-kind='photo']\")"
        ".scrollIntoView({block: 'center'});")
    page.shot("3-supervisor-digest-chart-zh")

    # Each person's conversation is still there after switching.
    page.be("commissioner")
    page.any_bot("已提交，编号")

    # English: the page and everyone's menus switch; the scheduled side moves on.
    page.click("//button[@id='lang-toggle']", "the language switch")
    page.until(lambda: browser.execute_script("return document.documentElement.lang") == "en",
               "the page in English")
    page.last_bot("Welcome back")
    page.tap("📋 My obligations")
    page.last_bot("浙江大学")
    page.shot("4-commissioner-status-en")
    page.click("//button[@id='next-reminder']", "next reminder")
    page.until(lambda: page.find("//nav//button[@data-persona='envoy']//span[@class='badge']"),
               "a reminder for the envoy")
    page.be("envoy")
    reminder = page.last_bot("景宁畲族自治县")
    assert reminder.find_elements("xpath", ".//button[contains(@class,'ibtn')]")
    page.shot("5-envoy-reminder-en")
    page.be("guest")
    page.shot("6-guest-en")

    assert demo.stop() == 0
    err = "".join(demo.stderr)
    assert GUARD_MARK not in err, err
    assert "演示已停止" in "".join(demo.stdout)
