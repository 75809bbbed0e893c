"""Which record URLs may become links on a page, and the one way templates link them.

Records come from anyone's manifest or facility list, so a `repo`, `url` or lineage target
can be `javascript:…`, `data:…` or a relative oddity that would act on this site. Only an
absolute http(s) URL becomes a link (and a well-formed e-mail address a `mailto:` link);
anything else is shown as text. Templates call `ext_link`/`mail_link`; scripts that build
links receive `safe_href`'s answer from the server instead of deciding themselves.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

_SCHEMES = ("http", "https")
# one address, no spaces, no characters that could end the attribute or start another scheme
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# browsers strip these before reading a scheme ("java\tscript:" is javascript:)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")


def safe_href(url: object) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None (show it as text)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text or _INVISIBLE.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return None
    return text


def safe_mailto(email: object) -> str | None:
    """`mailto:` + `email` if it is one plain address, else None."""
    if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
        return None
    return "mailto:" + email.strip()


def ext_link(url: object, text: object = None, rel: str = "nofollow noopener") -> Markup:
    """An `<a>` to a record's URL when `safe_href` allows it, else the URL as plain text.

    `text` is the link text (the URL itself by default); everything is escaped.
    """
    label = url if text is None else text
    href = safe_href(url)
    if href is None:
        return Markup('<span class="unlinked">{}</span>').format(label if label is not None else "")
    return Markup('<a href="{}" rel="{}">{}</a>').format(href, rel, label)


def mail_link(email: object) -> Markup:
    """A `mailto:` link for a contact address, or the text when it is not one address."""
    href = safe_mailto(email)
    if href is None:
        return escape(email if email is not None else "")
    return Markup('<a href="{}">{}</a>').format(href, email.strip())  # type: ignore[union-attr]
