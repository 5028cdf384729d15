"""Screenshots of the index workbench with runs overlaid, for docs/screenshots/: 1,400 px, 2x device
scale, 400 px and dark. Selenium, not `chromium --screenshot`: the page must lay out at the
window's real width before the charts measure it.

Run from the repo root after a build:
python -m bench.workbench_screenshots SITE OUT_DIR 'runs=["a","b"]&cols=["h:lr"]'
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import start_chrome  # noqa: E402 - the tests' Chromium, off the network

SHOTS = (  # file, width, height, device scale, dark
    ("workbench-1400.png", 1400, 2200, 1, False),
    ("workbench-2x.png", 1400, 1400, 2, False),
    ("workbench-400.png", 400, 2000, 1, False),
    ("workbench-dark.png", 1400, 2200, 1, True),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("query", help="the view, as the index's own URL carries it")
    args = parser.parse_args()
    url = (args.site / "index.html").resolve().as_uri() + "?" + urlencode(parse_qsl(args.query))
    driver = start_chrome(Path(tempfile.mkdtemp()))
    try:
        for name, width, height, scale, dark in SHOTS:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})
            scheme = [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": scheme})
            driver.get(url)
            time.sleep(1.5)  # the ticked runs' data scripts load and the charts draw
            png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            (args.out / name).write_bytes(base64.b64decode(png["data"]))
            print(args.out / name)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
