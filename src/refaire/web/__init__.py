"""Server-rendered pages. Each module adds its routes to `router`; `render` is shared."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from refaire import localise
from refaire.people import web as people_web
from refaire.people.csrf import attach_cookie, verify_csrf
from refaire.said import in_language, said_problem
from refaire.web.i18n import LANGUAGES, choose_language, translate
from refaire.web.labels import facet_label
from refaire.web.links import ext_link, mail_link, safe_href

templates = Jinja2Templates(
    directory=Path(__file__).parent / "templates",
    context_processors=[people_web.context_processor],  # current_user, for the header
)
templates.env.globals.update(people_web.template_globals())  # csrf_input()
# record URLs become links only through these (see links.py)
templates.env.globals.update(ext_link=ext_link, mail_link=mail_link, safe_href=safe_href)
# Every page route checks the CSRF token of unsafe requests (forms that post).
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for k, v in changes.items():
        if v is None:
            continue
        if isinstance(v, list | tuple):
            params += [(k, x) for x in v]
        else:
            params.append((k, v))
    query = urlencode(params)
    return request.url.path + ("?" + query if query else "")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = choose_language(request)
    context.update(
        request=request,
        lang=lang,
        languages=LANGUAGES,
        t=lambda key, **kw: translate(lang, key, **kw),
        url_with=lambda **kw: url_with(request, **kw),
        label=lambda facet, value: facet_label(facet, value, lang),
    )
    # numbers in the page's language (Babel); a page may bring its own default digits
    context.setdefault("num", lambda value, digits=0: localise.num(value, digits, lang))
    context.setdefault("short", lambda value: localise.short(value, lang))
    context.setdefault("money", lambda value, currency: localise.money(value, currency, lang))
    # a measurement problem (plain JSON with its message key) in the page's language
    context.setdefault("problem_text", lambda p: in_language(lang, said_problem(p)))
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    attach_cookie(request, response)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.name.startswith("pages_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        router.include_router(_module.router)
