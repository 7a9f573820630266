"""What the browser tests share: where Chromium is and how it starts, the viewports, where screenshots go, and
axe-core (the accessibility engine injected into a page). The `browser` and `axe` fixtures are in conftest.py."""
import os
import subprocess

from tests.support import ROOT

try:
    from playwright import sync_api as playwright
except ImportError:  # the browser fixture then skips every browser test, saying so
    playwright = None
expect = playwright.expect if playwright else None

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1280, "height": 800}
WIDE_LAPTOP = {"width": 1366, "height": 900}
AXE = ROOT / ".local" / "node" / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    """axe-core's script; fetched from npm the first time (the Makefile's `axe` target does the same)."""
    if not AXE.exists():
        subprocess.run(["npm", "install", "--prefix", str(ROOT / ".local" / "node"), "--no-save", "--no-audit",
                        "--no-fund", "--loglevel=error", "axe-core@4"], check=True, timeout=300)
    return AXE.read_text()


def violations(page, source: str) -> list[str]:
    """axe-core (``source``) run on the page as it is now: one line per violation, with up to three elements."""
    page.add_script_tag(content=source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["passes"], "axe checked nothing"  # it ran, and found what holds
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["html"][:160] for n in v["nodes"][:3])
            for v in result["violations"]]
