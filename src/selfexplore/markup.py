"""Small pieces of HTML the pages share: pure, escaped.

A download is a link that holds its file (a data: URL), so nothing is fetched and nothing is left on the
server. A wide table sits in a box that scrolls sideways on its own when the screen is narrower than the table
(a phone), instead of pushing the whole page sideways. The box is a labelled region; the app's page
script makes it reachable by keyboard and shows that it scrolls whenever it does.
"""

from __future__ import annotations

import base64
from html import escape


def scrolling(inner: str, label: str) -> str:
    """`inner` (a table) in a box that scrolls sideways when it is wider than the screen."""
    return f'<div class="se-scroll" role="region" aria-label="{escape(label, quote=True)}">{inner}</div>'


def download_link(filename: str, mime: str, data: str, text: str) -> str:
    """A link that downloads `data` as a file, straight from the page."""
    encoded = base64.b64encode(data.encode()).decode()
    return f'<a download="{escape(filename, quote=True)}" href="data:{mime};base64,{encoded}">{escape(text)}</a>'
