"""`reportgen serve` for real on 127.0.0.1: it serves the built site with a reload script that is
never written to disk, rebuilds when inputs change, keeps the last good site when a rebuild
fails, and reloads an open page in a real browser. Every wait is bounded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.serve import POLL_PATH, LiveSite, inject_reload, make_server

DEADLINE = 20.0  # seconds any one wait may take


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def wait_until(check, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {deadline}s waiting for {what}")


@pytest.fixture
def live(runs_dir: Path) -> Iterator[tuple[LiveSite, str, list[str]]]:
    make_run(runs_dir, "alpha", title="First title")
    said: list[str] = []
    site = LiveSite(runs_dir, interval=0.1, say=said.append)
    site.rebuild(first=True)
    server = make_server(site, port=0)
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
        threading.Thread(target=site.watch, kwargs={"max_polls": int(DEADLINE * 30)}, daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}/", said
    finally:
        site.stop()
        server.shutdown()
        server.server_close()
        for t in threads:
            t.join(timeout=5)
        site.cleanup()


def test_serves_with_reload_script_only_in_responses(live: tuple[LiveSite, str, list[str]]) -> None:
    site, url, _ = live
    status, page = get(url)
    assert status == 200 and "First title" in page
    assert POLL_PATH in page
    assert POLL_PATH not in (site.out / "index.html").read_text(encoding="utf-8")
    status, run_page = get(url + "runs/alpha/index.html")
    assert status == 200 and POLL_PATH in run_page
    status, missing = get(url + "runs/nope/index.html")
    assert status == 404 and "Page not found" in missing
    status, css = get(url + "static/style.css")
    assert status == 200 and POLL_PATH not in css


def test_rebuilds_on_change_and_keeps_last_good_site_on_failure(
    live: tuple[LiveSite, str, list[str]], runs_dir: Path, tmp_path: Path
) -> None:
    site, url, said = live
    start = site.version
    manifest = runs_dir / "alpha.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("First title", "Second title"), encoding="utf-8")
    # a waiting page is answered as soon as the new version is up
    status, body = get(f"{url}{POLL_PATH.lstrip('/')}?since={start}", timeout=DEADLINE)
    assert status == 200 and json.loads(body)["version"] == start + 1
    assert "Second title" in get(url)[1]

    # the runs folder disappears: the rebuild fails, the last good site stays up
    runs_dir.rename(tmp_path / "moved")
    wait_until(lambda: any("rebuild failed" in s for s in said), "the failed rebuild to be reported")
    assert f"error: {runs_dir}: not a folder: give the folder that holds your run manifests" in said
    assert site.version == start + 1
    assert "Second title" in get(url)[1]

    # it comes back: the site is rebuilt again
    (tmp_path / "moved").rename(runs_dir)
    wait_until(lambda: site.version == start + 2, "a rebuild after the folder came back")


def test_template_error_keeps_last_good_site(live: tuple[LiveSite, str, list[str]], runs_dir: Path, monkeypatch) -> None:
    site, url, said = live
    import reportgen.build.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(reportgen.build.pipeline, "build", broken)
    assert site.rebuild() is False
    assert said[-2:] == ["error: RuntimeError: template exploded", "rebuild failed: still serving the last good site"]
    assert "First title" in get(url)[1]


def test_inject_reload() -> None:
    assert inject_reload(b"<html><body><p>x</p></body></html>", 3).startswith(b"<html><body><p>x</p><script>")
    assert b"var version = 3;" in inject_reload(b"<p>no body</p>", 3)


@pytest.mark.browser
def test_open_page_reloads_in_the_browser(chrome, live: tuple[LiveSite, str, list[str]], runs_dir: Path) -> None:
    _, url, _ = live
    chrome.get(url + "runs/alpha/index.html")
    assert chrome.find_element("tag name", "h1").text == "First title"
    chrome.execute_script("window.__before_reload = 1")
    manifest = runs_dir / "alpha.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("First title", "Reloaded title"), encoding="utf-8")
    wait_until(lambda: chrome.execute_script("return window.__before_reload === undefined"), "the page to reload")
    wait_until(lambda: chrome.find_element("tag name", "h1").text == "Reloaded title", "the new title")


def test_serve_command_on_localhost(runs_dir: Path, tmp_path: Path) -> None:
    make_run(runs_dir, "alpha")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "serve", str(runs_dir), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
        reader.start()
        line = wait_until(lambda: next((x for x in lines if x.startswith("serving ")), None), "the server to start")
        url = line.split()[1]
        assert url.startswith("http://127.0.0.1:")
        status, page = get(url)
        assert status == 200 and "alpha" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_serve_fails_when_first_build_fails(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "reportgen", "serve", "nope", "--port", "0"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr == "error: nope: not a folder: give the folder that holds your run manifests\n"


def raw_status(url: str, path: str) -> int:
    """The status line's code for `path` sent as is (urllib would refuse or rewrite it)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=DEADLINE)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_odd_paths_get_an_answer_not_a_dropped_connection(live: tuple[LiveSite, str, list[str]]) -> None:
    _, url, _ = live
    assert raw_status(url, "/runs/%00/index.html") == 404
    assert raw_status(url, "/" + "a" * 256 + "/index.html") == 404
    assert raw_status(url, "/" + "%C3%A9" * 200) == 404  # 400 bytes once decoded
    assert raw_status(url, "/runs/alpha/index.html") == 200


def test_a_failed_first_build_serves_a_page_saying_why(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportgen.build.pipeline

    make_run(runs_dir, "alpha", title="First title")
    real = reportgen.build.pipeline.build

    def broken(*args, **kwargs):
        raise RuntimeError("template <b>exploded</b>")

    monkeypatch.setattr(reportgen.build.pipeline, "build", broken)
    said: list[str] = []
    site = LiveSite(runs_dir, interval=0.1, say=said.append)
    assert site.rebuild(first=True) is False
    assert said == [
        "error: RuntimeError: template <b>exploded</b>",
        "build failed: serving a page that says why until a build succeeds",
    ]
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        for path in ("", "runs/alpha/index.html"):
            status, page = get(url + path)
            assert status == 503
            assert "<h1>The build failed</h1>" in page
            assert "<pre>RuntimeError: template &lt;b&gt;exploded&lt;/b&gt;</pre>" in page
            assert POLL_PATH in page  # it reloads when a build succeeds
        monkeypatch.setattr(reportgen.build.pipeline, "build", real)
        assert site.rebuild() is True
        status, page = get(url)
        assert status == 200 and "First title" in page
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        site.cleanup()


def test_a_run_whose_manifest_breaks_keeps_its_last_good_page(
    live: tuple[LiveSite, str, list[str]], runs_dir: Path
) -> None:
    site, url, said = live
    start = site.version
    manifest = runs_dir / "alpha.yaml"
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good + "name: <again>\n", encoding="utf-8")
    wait_until(lambda: site.version == start + 1, "a rebuild after the manifest broke")
    status, page = get(url + "runs/alpha/index.html")
    assert status == 200 and "First title" in page
    assert (
        "this run cannot be built now, so this is its last good page. <code>"
        f"{runs_dir / 'alpha.yaml'}:4:1: duplicate key &#x27;name&#x27; (first given on line 1); keep one of them</code>"
    ) in page
    assert get(url + "runs/alpha/")[1] == page
    with urllib.request.urlopen(url + "runs/alpha/loss.svg", timeout=DEADLINE) as resp:
        assert resp.status == 200 and resp.read().startswith(b"<?xml")  # its figures are kept too
    manifest.write_text(good.replace("First title", "Fixed title"), encoding="utf-8")
    wait_until(lambda: site.version == start + 2, "a rebuild after the manifest was fixed")
    status, page = get(url + "runs/alpha/index.html")
    assert status == 200 and "Fixed title" in page and "last good page" not in page


def test_a_log_that_never_ends_is_refused_and_the_watcher_goes_on(runs_dir: Path) -> None:
    import os

    from reportgen.serve import snapshot

    make_run(runs_dir, "alpha")
    (runs_dir / "zero.yaml").write_text("name: zero\nlogs: /dev/zero\n", encoding="utf-8")
    os.mkfifo(runs_dir / "logs" / "pipe.csv")
    (runs_dir / "pipe.yaml").write_text("name: pipe\nlogs: logs/pipe.csv\n", encoding="utf-8")
    said: list[str] = []
    site = LiveSite(runs_dir, interval=0.1, say=said.append)
    try:
        assert site.rebuild(first=True) is True
        assert said == [
            "error: " + f"{runs_dir / 'pipe.yaml'}:2:7: logs: logs/pipe.csv is a FIFO (named pipe), not a file or a folder; "
            "name the log file itself",
            "error: " + f"{runs_dir / 'zero.yaml'}:2:7: logs: /dev/zero is a device, not a file or a folder; name the log file itself",
            "built 1 run(s) (version 1)",
        ]
        # the watcher looks only at what it may read: nothing has changed, no rebuild
        assert snapshot(site.watching) == site.seen
        site.watch(max_polls=3)
        assert site.version == 1
    finally:
        site.cleanup()
