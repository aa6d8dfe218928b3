"""Headless Chromium for the console's end-to-end tests: Debian's `chromium` driven through its own
`chromedriver` (Selenium never downloads a browser or a driver here; the machine has no route to do so)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
#: `make screenshots` sets this so the pictures land in docs/screenshots/ for the README; a plain test run keeps
#: them in its temporary directory so that running the tests never changes committed files.
SCREENSHOTS = os.environ.get("IPDESK_SCREENSHOTS")


def missing_browser() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return (
                f"{path} is missing: the console's browser tests need Debian's chromium and chromium-driver "
                "packages (`make test` and .ci/run install them: apt-get install chromium chromium-driver)"
            )
    return None


class Browser:
    """One headless Chromium with its own profile (cookies), so a test can have staff and an expert signed in at once."""

    def __init__(self, base_url: str, *, arguments: tuple[str, ...] = ()) -> None:
        self.base = base_url
        self.profile = tempfile.mkdtemp(prefix="ipdesk-chromium-")
        options = Options()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1366,900",
            "--lang=zh-CN",
            f"--user-data-dir={self.profile}",
            *arguments,
        ):
            options.add_argument(argument)
        self.driver: WebDriver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.implicitly_wait(0)

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str):  # noqa: ANN201 - a Selenium WebElement
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_for(self, css: str, *, text: str | None = None, timeout: float = 30):  # noqa: ANN201
        # While a click's page loads, an element found on the old page can be gone when it is read: chromedriver then
        # says "stale element" or "Node with given id does not belong to the document" (a plain WebDriverException).
        # Both mean "not yet", so the wait goes on; only the timeout fails the test.
        wait = WebDriverWait(self.driver, timeout, ignored_exceptions=(WebDriverException,))
        try:
            if text is not None:
                wait.until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
            return wait.until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(
                f"waited {timeout:.0f} s for {css!r}{f' to show {text!r}' if text else ''} on {self.driver.current_url};"
                f" the page says:\n{self.text[:2000]}"
            ) from None

    def fill(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def sign_in(self, username: str, password: str) -> None:
        self.open("/login")
        self.fill("#username", username)
        self.fill("#password", password)
        self.find("#sign-in").click()
        try:
            WebDriverWait(self.driver, 15).until(lambda d: "/login" not in d.current_url)
        except TimeoutException:
            raise AssertionError(f"{username} could not sign in; the page says:\n{self.text[:1000]}") from None

    @property
    def text(self) -> str:
        return self.find("body").text

    def screenshot(self, name: str, fallback_dir: Path) -> Path:
        directory = ROOT / "docs" / "screenshots" if SCREENSHOTS else fallback_dir
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
