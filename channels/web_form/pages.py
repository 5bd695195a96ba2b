"""HTML pages of a form: the form itself (with errors and kept input), the confirmation and
short messages (rate limited, too large, ...). Jinja2 with autoescaping, assets served locally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from channels.web_form._files import type_names
from channels.web_form.i18n import human_size, localise, texts
from channels.web_form.queries import Form

STATIC_PATH = "/forms/_static"
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}
_CONTACT = ("name", "email")
_INPUT = {"text": "text", "email": "email", "number": "text", "date": "date"}
_MAXLENGTH = {"text": 200, "textarea": 20_000, "email": 254, "number": 40, "date": 10}
_AUTOCOMPLETE = {"name": "name", "email": "email"}


def render(template: str, status: int, headers: dict[str, str], **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(static=STATIC_PATH, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def form_page(
    form: Form,
    lang: str,
    *,
    csrf_token: str,
    submission_id: str,
    category_labels: dict[str, str],
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str],
) -> HTMLResponse:
    """The form, with the visitor's earlier input and a message next to each bad field."""
    d = form.definition
    t = texts(lang)
    values = values or {}
    errors = errors or {}
    views = []
    for spec in d.fields:
        label = localise(spec.label, lang, t.get(f"label_{spec.name}", spec.name))
        if spec.name == "category":
            choices = [(c, category_labels.get(c, c)) for c in d.categories]
        else:
            choices = [(c.value, localise(c.label, lang, c.value)) for c in spec.choices]
        views.append(
            {
                "name": spec.name,
                "type": spec.type,
                "input_type": _INPUT.get(spec.type, "text"),
                "label": label,
                "help": localise(spec.help, lang),
                "required": spec.required,
                "value": values.get(spec.name, ""),
                "error": errors.get(spec.name),
                "choices": choices,
                "maxlength": spec.max_length or _MAXLENGTH.get(spec.type, 200),
                "autocomplete": _AUTOCOMPLETE.get(spec.name),
                "inputmode": "decimal" if spec.type == "number" else None,
                "spellcheck": False if spec.type == "email" else None,
            }
        )
    rules = d.attachments
    return render(
        "form.html",
        status,
        headers,
        lang=lang,
        t=t,
        title=localise(d.title, lang, d.slug),
        intro=localise(d.intro, lang),
        action=f"/forms/{d.slug}?lang={lang}",
        csrf_token=csrf_token,
        submission_id=submission_id,
        contact=[v for v in views if v["name"] in _CONTACT],
        request_fields=[v for v in views if v["name"] not in _CONTACT],
        errors=errors,
        anchors={*(v["name"] for v in views), "attachments"},
        files={
            "max_files": rules.max_files,
            "accept": ",".join(rules.content_types),
            "hint": t["attachments_hint"].format(
                n=rules.max_files, size=human_size(rules.max_bytes, lang), types=type_names(rules)
            ),
        },
        languages=[(code, _LANGUAGE_NAMES[code]) for code in d.languages],
    )


def confirmation_page(
    form: Form, lang: str, *, number: int, email: str, emailed: bool, headers: dict[str, str]
) -> HTMLResponse:
    t = texts(lang)
    return render(
        "confirmation.html",
        200,
        headers,
        lang=lang,
        t=t,
        title=localise(form.definition.title, lang, form.slug),
        number=number,
        email=email,
        emailed=emailed,
        again=f"/forms/{form.slug}?lang={lang}",
    )


def message_page(
    title: str, message: str, lang: str, status: int, headers: dict[str, str], again: str = ""
) -> HTMLResponse:
    return render(
        "message.html",
        status,
        headers,
        lang=lang,
        title=title,
        message=message,
        again=again,
        back=texts(lang)["new_request"],
    )


# Stands in for the CSRF token and submission id: the preview's frame never posts.
_PREVIEW = "preview"


def preview_html(form: Form, lang: str, *, category_labels: dict[str, str]) -> str:
    """The public page of a form not saved yet, exactly as `form_page` renders it, for the
    admin editor's live preview (shown in a sandboxed frame, so it never posts)."""
    response = form_page(
        form,
        lang,
        csrf_token=_PREVIEW,
        submission_id=_PREVIEW,
        category_labels=category_labels,
        headers={},
    )
    return bytes(response.body).decode()
