"""Drive Debian's headless Chromium (Selenium + chromedriver) over a built site, the way a reader
would: load every page, follow every internal link, load every image, and record every request
and console message. Helpers only; the assertions live in tests/test_browser_*.py.

Chromium starts with the flags that keep it off the network (no background services, every host
name resolved to nothing but 127.0.0.1), and the performance log records every request the page
makes, so "no request leaves the machine" is checked from what the browser tried, not assumed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("REPORTGEN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REPORTGEN_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_JS = Path(os.environ.get("REPORTGEN_AXE_JS", ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"))
# the browser's own pages (e.g. its error page) load from chrome:// without a network
LOCAL_SCHEMES = ("file", "data", "blob", "about", "chrome", "chrome-error", "devtools")


def need(path: Path | str, what: str) -> None:
    """Browser tests are part of the suite: a missing browser is an error with the fix, not a skip."""
    if not Path(path).exists():
        pytest.fail(f"{what} not found at {path}: run `bash .ci/run` (it installs chromium, chromium-driver and axe-core)")


def start_chrome(profile: Path):
    need(CHROMIUM, "chromium")
    need(CHROMEDRIVER, "chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1280,900",
        # every host name resolves to nothing, so even a request that escaped our checks could
        # not leave the machine; 127.0.0.1 stays reachable for the local server
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.unhandled_prompt_behavior = "ignore"  # an alert() stays open, so a test can see it
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


@contextlib.contextmanager
def http_site(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (an ephemeral port) for the duration; yields the base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class PageVisit:
    url: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "url: reason"
    console: list[str] = field(default_factory=list)  # SEVERE console messages
    links: list[str] = field(default_factory=list)  # absolute hrefs of <a>
    broken_images: list[str] = field(default_factory=list)
    styled: bool = False
    missing_anchor: str | None = None


def drain_logs(driver) -> tuple[list[str], list[str], list[str]]:
    """(requested URLs, failed loads, SEVERE console messages) since the last call."""
    urls: dict[str, str] = {}
    requested: list[str] = []
    failed: list[str] = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            requested.append(url)
        elif method == "Network.responseReceived":
            status = params["response"].get("status", 0)
            if status >= 400:
                failed.append(f"{params['response']['url']}: HTTP {status}")
        elif method == "Network.loadingFailed":
            if params.get("canceled"):
                continue
            failed.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}")
    console = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return requested, failed, console


WAIT_IMAGES = """
const done = arguments[arguments.length - 1];
const imgs = Array.from(document.images);
imgs.forEach(i => { i.loading = 'eager'; });
const settle = i => i.complete ? Promise.resolve() :
  new Promise(r => { i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); });
Promise.all(imgs.map(settle)).then(() => done(
  imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src || '(no src)')
));
"""

PAGE_FACTS = """
const styled = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() !== '';
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
const frag = location.hash ? decodeURIComponent(location.hash.slice(1)) : null;
return {styled: styled, links: links, missing_anchor: frag && !document.getElementById(frag) ? frag : null};
"""


def visit(driver, url: str) -> PageVisit:
    drain_logs(driver)
    driver.get(url)
    found = PageVisit(url=url)
    found.broken_images = driver.execute_async_script(WAIT_IMAGES)
    facts = driver.execute_script(PAGE_FACTS)
    found.styled, found.links, found.missing_anchor = facts["styled"], facts["links"], facts["missing_anchor"]
    time.sleep(0.05)  # let late console messages arrive
    found.requested, found.failed, found.console = drain_logs(driver)
    return found


def is_local(url: str, base: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws") and parts.hostname == urlsplit(base).hostname == "127.0.0.1"


def inside(url: str, base: str) -> bool:
    return urldefrag(url)[0].startswith(base)


def crawl(driver, start: str, base: str, limit: int = 2000) -> tuple[list[str], list[str]]:
    """Visit every page reachable from `start` through links under `base`. Returns every problem
    a reader would hit, one line each (empty when the site is sound), and the URLs visited."""
    problems: list[str] = []
    seen: set[str] = set()
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        page, _ = urldefrag(url)
        if url in seen:
            continue
        seen.add(url)
        found = visit(driver, url)
        where = url.removeprefix(base)
        problems += [f"{where}: failed to load {f}" for f in found.failed]
        problems += [f"{where}: console error: {c}" for c in found.console]
        problems += [f"{where}: image did not load: {i}" for i in found.broken_images]
        problems += [f"{where}: request leaves the machine: {r}" for r in found.requested if not is_local(r, base)]
        if found.missing_anchor:
            problems.append(f"{where}: no element with id {found.missing_anchor!r}")
        if page.endswith(".html") and not found.styled:
            problems.append(f"{where}: the stylesheet did not apply")
        for link in found.links:
            if not inside(link, base):
                continue
            target, frag = urldefrag(link)
            key = link if frag else target
            if key not in seen and key not in queue:
                queue.append(key)
    return problems, sorted(seen)


def copy_site(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
