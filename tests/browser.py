"""Headless Chromium for the tests that look at a page as a browser shows it (tests/test_evidence.py).

`chromium()` finds the browser (chromium, chromium-browser, google-chrome); where none is installed
and the tests run as root with apt-get (CI: a fresh machine like the development one), it installs
Debian's `chromium` once per session. Otherwise the test is skipped, saying why. Pages are files:
no server, and the browser is started for one page at a time, offline, with a user-data-dir of its own.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_SECONDS = 300
PAGE_SECONDS = 60
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-sync", "--mute-audio", "--hide-scrollbars",
         # pages are files: nothing may go out, even a DNS lookup
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"]


def _found() -> str | None:
    return next((p for p in map(shutil.which, NAMES) if p), None)


def _install() -> str:
    """apt-get install chromium; the reason it could not, as text, when it did not."""
    if os.name != "posix" or os.geteuid() != 0:
        return "不是 root 用户，无法用 apt-get 安装"
    if not shutil.which("apt-get"):
        return "没有 apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=INSTALL_SECONDS)
            if done.returncode != 0:
                return f"{' '.join(cmd)} 失败：{done.stderr.strip()[-300:]}"
    except subprocess.TimeoutExpired:
        return f"安装超过 {INSTALL_SECONDS} 秒"
    return ""


@lru_cache(maxsize=1)
def _browser() -> tuple[str | None, str]:
    """(path, why missing): looked for, and installed if possible, once per session."""
    path = _found()
    if path:
        return path, ""
    why = _install()
    path = _found()
    return path, "" if path else (why or "安装后仍未找到 chromium")


def chromium() -> str:
    """The browser's path, or the test is skipped with the reason."""
    path, why = _browser()
    if path is None:
        pytest.skip(f"没有可用的 Chromium（chromium / chromium-browser / google-chrome）：{why}")
    return path


def _run(page: Path, *args: str, fragment: str = "") -> subprocess.CompletedProcess:
    url = Path(page).resolve().as_uri() + (f"#{fragment}" if fragment else "")
    with tempfile.TemporaryDirectory(prefix="auditor-chromium-") as profile:
        cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, url]
        return subprocess.run(cmd, capture_output=True, timeout=PAGE_SECONDS)


def dump_dom(page: Path, fragment: str = "") -> str:
    """The page's DOM after its scripts ran, as HTML (`fragment`: the part of the address after #)."""
    done = _run(page, "--virtual-time-budget=2000", "--dump-dom", fragment=fragment)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8")


def screenshot(page: Path, png: Path, size: str = "1280,1600") -> Path:
    """A PNG of the page as the browser draws it."""
    done = _run(page, f"--screenshot={Path(png).resolve()}", f"--window-size={size}")
    assert png.exists(), done.stderr.decode("utf-8", "replace")[-2000:]
    return png
