"""Rendering pages: one Jinja2 environment with autoescaping on, and the filters that make links.

Stored text is hostile: it is escaped wherever it is shown, never used as a
template, and only an ``http(s)`` URL ever becomes a link (with
``rel="noopener noreferrer nofollow"``); a ``javascript:`` URL stays text.
Every value a template prints passes :func:`shown`, which writes control
characters and bidirectional overrides as visible escapes
(:mod:`atlas_registry.schema.shown_text`), so a title cannot reorder itself into
another one, and rounds every float it prints (:mod:`atlas_registry.web.numbers`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from atlas_registry import visible_text
from atlas_registry.web.numbers import shown_number

_HTTP = re.compile(r"^https?://[^\s<>\"']+$")


def shown(value: Any) -> Any:
    """Every printed value, before escaping: its unshowable characters made visible.

    Markup (a link, a drawing) is built from escaped text and stays Markup: an
    escape adds only a backslash and letters and digits, which HTML reads as text.
    A float (a metric, a gate threshold) is rounded for reading, wherever a
    template prints it; the JSON twin of the page keeps it exact.
    """
    if isinstance(value, Markup):
        return Markup(visible_text(str(value)))
    if isinstance(value, str):
        return visible_text(value)
    if isinstance(value, float):
        return shown_number(value)
    return value


ENV = Environment(
    loader=PackageLoader("atlas_registry.web", "templates"),
    autoescape=True,  # explicitly: every stored value is escaped where it is shown
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=shown,
)


def link(url: Any, text: Any = None) -> Markup:
    """An ``http(s)`` URL as a link; anything else (one holding an override too) as text."""
    shown = escape(url if text is None else text)
    if isinstance(url, str) and _HTTP.fullmatch(url) and visible_text(url) == url:
        return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(url, shown)
    return Markup(shown)


def commit_link(repo: Any, sha: Any) -> Markup:
    """The commit on its host's page when the repository is an http(s) URL, else text."""
    if not sha:
        return Markup("")
    if isinstance(repo, str) and _HTTP.fullmatch(repo):
        return link(f"{repo.rstrip('/')}/commit/{sha}", sha)
    return Markup(escape(sha))


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


ENV.filters.update(link=link, commit_link=commit_link, pretty=pretty)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)
