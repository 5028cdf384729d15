"""`serve`: live preview. Build into a temporary folder, serve it on 127.0.0.1, rebuild when a
manifest, log, template or reportgen.yaml changes (mtimes are polled: no new dependency), and
reload open pages through a small long-poll script that is added to HTML responses only while
serving, never to the built files (as mkdocs serve does). A rebuild that fails leaves the last
good site up and prints the error.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from reportgen.errors import ReportgenError
from reportgen.templates_dir import templates_dir

POLL_PATH = "/__reportgen__/poll"
POLL_SECONDS = 20.0  # a long-poll request waits this long for a rebuild before answering
RELOAD_SCRIPT = """<script>
/* reportgen serve: reload when the site is rebuilt (added by the server, not in built files) */
(function () {
  var version = %d;
  function poll() {
    fetch("%s?since=" + version, {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) { if (d.version !== version) { location.reload(); } else { poll(); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""

Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: list[Path]) -> Snapshot:
    """(mtime_ns, size) of every file under `paths` (files or folders), hidden folders skipped."""
    found: Snapshot = {}
    for base in paths:
        if base.is_file():
            st = base.stat()
            found[str(base)] = (st.st_mtime_ns, st.st_size)
            continue
        for root, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # deleted while walking: the next poll sees it gone
                found[path] = (st.st_mtime_ns, st.st_size)
    if not any(p.exists() for p in paths):
        found["<missing>"] = (0, 0)
    return found


def inject_reload(html: bytes, version: int) -> bytes:
    """The page with the reload script before </body> (appended when there is none)."""
    script = (RELOAD_SCRIPT % (version, POLL_PATH)).encode("utf-8")
    at = html.rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


class LiveSite:
    """The served site: builds, watches, and tells waiting pages when a new version is up."""

    def __init__(
        self,
        runs_dir: Path,
        *,
        interval: float = 0.5,
        say: Callable[[str], None] = print,
        verbose: bool = False,
    ):
        self.runs_dir = runs_dir
        self.interval = interval
        self.say = say
        self.verbose = verbose
        self.tmp = Path(tempfile.mkdtemp(prefix="reportgen-serve-"))
        self.out = self.tmp / "site"
        self.version = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.last_error: str | None = None
        self.watching: list[Path] = [runs_dir]
        self.seen: Snapshot = {}

    def watched(self) -> list[Path]:
        """The runs folder (manifests, reportgen.yaml, logs beside them), log files the manifests
        name outside it, and the templates."""
        from reportgen.manifest import load_manifests

        paths = [self.runs_dir, templates_dir()]
        try:
            loaded = load_manifests(self.runs_dir)
        except ReportgenError:
            return paths
        runs_r = self.runs_dir.resolve()
        extra = {log.path for spec in loaded.runs for log in spec.logs if not log.path.resolve().is_relative_to(runs_r)}
        return paths + sorted(extra)

    def rebuild(self, first: bool = False) -> bool:
        """Build once; True when a new site is up. A failure keeps the previous site; on the
        `first` build a ReportgenError is raised instead (there is nothing to serve)."""
        from reportgen.build import build

        # taken before building, so a change made during the build triggers another one
        self.watching = self.watched()
        self.seen = snapshot(self.watching)
        try:
            report = build(self.runs_dir, self.out)
        except ReportgenError as exc:
            if first:
                raise
            return self._failed(exc)
        except Exception as exc:  # noqa: BLE001 - any failure must keep the last good site up
            return self._failed(exc)
        for problem in report.problems:
            self.say(f"error: {problem.format_message()}")
        self.last_error = None
        with self.changed:
            self.version += 1
            self.changed.notify_all()
        self.say(f"built {len(report.runs)} run(s) (version {self.version})")
        return True

    def _failed(self, exc: Exception) -> bool:
        text = exc.format_message() if isinstance(exc, ReportgenError) else f"{type(exc).__name__}: {exc}"
        self.last_error = text
        self.say(f"error: {text}")
        self.say("rebuild failed: still serving the last good site")
        return False

    def wait_for_change(self, since: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != since or self.stopping.is_set(), timeout)
            return self.version

    def watch(self, max_polls: int | None = None) -> None:
        """Poll mtimes and rebuild on change until stopped (or after `max_polls` polls)."""
        polls = 0
        while not self.stopping.wait(self.interval):
            polls += 1
            if snapshot(self.watching) != self.seen:
                # let an editor finish writing (several files, or write-then-rename)
                self.stopping.wait(self.interval)
                self.rebuild()
            if max_polls is not None and polls >= max_polls:
                break

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Handler(SimpleHTTPRequestHandler):
    site: LiveSite

    def __init__(self, *args, site: LiveSite, **kwargs):
        self.site = site
        super().__init__(*args, directory=str(site.out), **kwargs)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == POLL_PATH:
            self._poll(parts.query)
            return
        target = Path(self.translate_path(parts.path))
        if target.is_dir() and parts.path.endswith("/"):
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", inject_reload(target.read_bytes(), self.site.version))
            return
        super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site.out / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", inject_reload(page.read_bytes(), self.site.version))
            return
        super().send_error(code, message, explain)

    def _poll(self, query: str) -> None:
        try:
            since = int(parse_qs(query).get("since", ["0"])[0])
        except ValueError:
            since = 0
        version = self.site.wait_for_change(since, POLL_SECONDS)
        self._send(HTTPStatus.OK, "application/json", json.dumps({"version": version}).encode("utf-8"))

    def _send(self, status: HTTPStatus, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must never show a stale figure
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.site.verbose:
            super().log_message(format, *args)


def make_server(site: LiveSite, port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for `site` on 127.0.0.1 only (never on other interfaces)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, site=site))
    server.daemon_threads = True
    return server


def serve(
    runs_dir: Path,
    *,
    port: int = 8000,
    interval: float = 0.5,
    say: Callable[[str], None] = print,
    verbose: bool = False,
) -> None:
    """Build, serve on 127.0.0.1:`port` and rebuild on change until interrupted. Raises
    ReportgenError when the first build fails (there is nothing to serve)."""
    site = LiveSite(runs_dir, interval=interval, say=say, verbose=verbose)
    try:
        site.rebuild(first=True)
        server = make_server(site, port)
        host, bound = server.server_address[:2]
        watcher = threading.Thread(target=site.watch, name="reportgen-watch", daemon=True)
        watcher.start()
        say(f"serving http://{host}:{bound}/ (rebuilds on changes; Ctrl+C to stop)")
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            site.stop()
            server.server_close()
            watcher.join(timeout=5)
    finally:
        site.cleanup()
