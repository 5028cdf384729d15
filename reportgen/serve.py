"""`serve`: live preview. Build into a temporary folder, serve it on 127.0.0.1, rebuild when a
manifest, log, template or reportgen.yaml changes (mtimes are polled: no new dependency), and
reload open pages through a small long-poll script that is added to HTML responses only while
serving, never to the built files (as mkdocs serve does). A rebuild that fails leaves the last
good site up and prints the error; when there is no site yet, every page says why the build
failed. A run whose manifest is broken keeps its last good page, with a banner saying why (its
files are kept beside the served site, and the banner is added to responses only).
"""

from __future__ import annotations

import errno
import html
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
from urllib.parse import parse_qs, unquote, urlsplit

from reportgen.errors import ReportgenError
from reportgen.manifest.slug import slugify
from reportgen.site.paths import run_page_path
from reportgen.site.templates_dir import templates_dir

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

FAILED_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Build failed · reportgen serve</title></head>
<body>
<h1>The build failed</h1>
<p>reportgen serve could not build the site, so there is nothing to show yet. Fix the problem
below and save: this page reloads when a build succeeds.</p>
<pre>%s</pre>
</body>
</html>
"""
KEPT_BANNER = (
    '<div role="alert" style="background:#fff3cd;color:#000;border:2px solid #b58100;padding:0.75em;margin:0">'
    "<strong>reportgen serve:</strong> this run cannot be built now, so this is its last good page. "
    "<code>%s</code></div>"
)
MAX_SEGMENT = 255  # longest file name a file system takes: a longer path segment is no file of ours

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


def inject_reload(page: bytes, version: int) -> bytes:
    """The page with the reload script before </body> (appended when there is none)."""
    script = (RELOAD_SCRIPT % (version, POLL_PATH)).encode("utf-8")
    at = page.rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


def inject_banner(page: bytes, reason: str) -> bytes:
    """The page with a banner saying why it is a kept copy, right after <body ...>."""
    banner = (KEPT_BANNER % html.escape(reason)).encode("utf-8")
    start = page.find(b"<body")
    end = page.find(b">", start) if start >= 0 else -1
    return banner + page if end < 0 else page[: end + 1] + banner + page[end + 1 :]


class LiveSite:
    """The served site: builds, watches, and tells waiting pages when a new version is up."""

    def __init__(
        self,
        runs_dir: Path,
        *,
        interval: float = 0.5,
        say: Callable[[str], None] = print,
        verbose: bool = False,
        allow_outside: tuple[Path, ...] = (),
    ):
        self.runs_dir = runs_dir
        self.allow_outside = allow_outside
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
        self.pages: dict[Path, str] = {}  # manifest -> its run's folder in the site, when last valid
        self.kept_dir = self.tmp / "kept"
        self.kept: dict[str, str] = {}  # run folder kept from an earlier site -> why

    def watched(self) -> list[Path]:
        """The runs folder (manifests, reportgen.yaml, logs beside them), log files the manifests
        name outside it, and the templates. Also keeps the pages of runs whose manifest broke."""
        from reportgen.manifest.load import load_manifests

        paths = [self.runs_dir, templates_dir()]
        try:
            loaded = load_manifests(self.runs_dir, allow_outside=self.allow_outside)
        except ReportgenError:
            return paths
        self._keep_broken(loaded.problems)
        for spec in loaded.runs:
            self.pages[spec.path.resolve()] = run_page_path(slugify(spec.name)).removesuffix("/index.html")
        runs_r = self.runs_dir.resolve()
        extra = {log.path for spec in loaded.runs for log in spec.logs if not log.path.resolve().is_relative_to(runs_r)}
        return paths + sorted(extra)

    def _keep_broken(self, problems: list[ReportgenError]) -> None:
        """Copy aside the last good pages of runs whose manifest is broken now, with why."""
        broken: dict[str, str] = {}
        for problem in problems:
            path = problem.where.path
            folder = self.pages.get(path.resolve()) if path is not None else None
            if folder is not None:
                broken.setdefault(folder, problem.format_message())
        for folder, reason in broken.items():
            source = self.out / folder
            target = self.kept_dir / folder
            if folder not in self.kept and source.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target)
            if target.is_dir():
                self.kept[folder] = reason
        for folder in sorted(set(self.kept) - set(broken)):  # fixed (or deleted): drop the copy
            shutil.rmtree(self.kept_dir / folder, ignore_errors=True)
            del self.kept[folder]

    def kept_file(self, site_path: str) -> tuple[Path, str] | None:
        """(file, why) for a site path inside a kept run folder, when the built site lacks it."""
        for folder, reason in self.kept.items():
            if site_path == folder or site_path.startswith(folder + "/"):
                rel = site_path[len(folder) :].lstrip("/") or "index.html"
                if (self.out / folder).exists():
                    return None  # the run builds again
                target = self.kept_dir / folder / rel
                if target.is_file():
                    return target, reason
        return None

    def rebuild(self, first: bool = False) -> bool:
        """Build once; True when a new site is up. A failure keeps the previous site; on the
        `first` build a ReportgenError is raised instead (there is nothing to serve)."""
        from reportgen.build.pipeline import build

        # taken before building, so a change made during the build triggers another one
        self.watching = self.watched()
        self.seen = snapshot(self.watching)
        try:
            report = build(self.runs_dir, self.out, allow_outside=self.allow_outside)
        except ReportgenError as exc:
            if first and not self.runs_dir.is_dir():
                raise  # nothing to build or watch
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
        if self.has_site():
            self.say("rebuild failed: still serving the last good site")
        else:
            self.say("build failed: serving a page that says why until a build succeeds")
        return False

    def has_site(self) -> bool:
        return (self.out / "index.html").is_file()

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
        site = self.site
        if not site.has_site():
            page = FAILED_PAGE % html.escape(site.last_error or "the first build has not finished")
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", inject_reload(page.encode("utf-8"), site.version))
            return
        # a NUL byte or an over-long name makes the file system raise: no such file here
        if "\0" in unquote(parts.path) or any(len(seg.encode("utf-8")) > MAX_SEGMENT for seg in unquote(parts.path).split("/")):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            target = Path(self.translate_path(parts.path))
            if target.is_dir() and parts.path.endswith("/"):
                target = target / "index.html"
            if not target.exists() and self._send_kept(target):
                return
            if target.suffix == ".html" and target.is_file():
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", inject_reload(target.read_bytes(), site.version))
                return
        except (OSError, ValueError) as exc:
            if isinstance(exc, OSError) and exc.errno not in (errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                raise
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if "\0" in unquote(urlsplit(self.path).path):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            super().do_HEAD()
        except (OSError, ValueError):
            self.send_error(HTTPStatus.NOT_FOUND)

    def _send_kept(self, target: Path) -> bool:
        """Serve a file of a run whose manifest broke from its last good site; False if none."""
        try:
            site_path = target.relative_to(self.site.out).as_posix()
        except ValueError:
            return False
        if site_path.endswith("/") or (self.site.out / site_path).is_dir():
            site_path = site_path.rstrip("/") + "/index.html"
        found = self.site.kept_file(site_path)
        if found is None:
            return False
        path, reason = found
        body = path.read_bytes()
        if path.suffix == ".html":
            body = inject_reload(inject_banner(body, reason), self.site.version)
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", body)
        else:
            self._send(HTTPStatus.OK, self.guess_type(str(path)), body)
        return True

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
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, site=site))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ReportgenError(
                f"port {port} is in use (another server?); choose another with -p, or -p 0 for any free port"
            ) from None
        if exc.errno == errno.EACCES:
            raise ReportgenError(f"not allowed to use port {port}; choose one above 1023 with -p") from None
        raise
    server.daemon_threads = True
    return server


def serve(
    runs_dir: Path,
    *,
    port: int = 8000,
    interval: float = 0.5,
    say: Callable[[str], None] = print,
    verbose: bool = False,
    allow_outside: tuple[Path, ...] = (),
) -> None:
    """Build, serve on 127.0.0.1:`port` and rebuild on change until interrupted. Raises
    ReportgenError when `runs_dir` is not a folder or the port cannot be used."""
    site = LiveSite(runs_dir, interval=interval, say=say, verbose=verbose, allow_outside=allow_outside)
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
