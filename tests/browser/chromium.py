"""What the browser tests and the Voila benchmark share: how Chromium is found and started, and which
addresses count as this machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

# Debian's Chromium, headless, with everything that would call home turned off: without the networking
# flags it floods the closed network with refused connections.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def find_chromium() -> str | None:
    """SELFEXPLORE_CHROMIUM, or the system's chromium; None when there is none."""
    named = os.environ.get("SELFEXPLORE_CHROMIUM")
    found = named or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine; data:, blob: and about: URLs never touch the network."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return True
    return parts.hostname in LOCAL_HOSTS
