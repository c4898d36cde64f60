"""`mask_url`: URLs as every message and log line shows them, with their password masked."""

from __future__ import annotations

import re

MASK = "***"

# scheme://user:password@host: the password runs to the last "@" before the path, so a
# password holding "@" is masked whole.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*):[^/?#\s]*@")
# libpq and most drivers also take ?password=... (or pass, pwd) in the query string.
_QUERY = re.compile(r"(?P<head>[?&](?:password|passwd|pass|pwd)=)[^&#\s]*", re.IGNORECASE)


def mask_url(text: str) -> str:
    """``text`` (one URL or a whole message) with the password of every URL in it masked."""
    text = _USERINFO.sub(rf"\g<head>:{MASK}@", text)
    return _QUERY.sub(rf"\g<head>{MASK}", text)
