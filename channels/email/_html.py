"""HTML mail: sanitising with nh3 and rendering to plain text with quoted history marked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# Remote images are dropped (their src removed): they are tracking pixels as often as content
# and loading them tells the sender an agent opened the mail. Inline `cid:` images stay, the core
# rewrites them to stored attachments; small `data:` images stay, they fetch nothing.
_IMAGE_SCHEMES = ("cid:", "data:image/")
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_TAGS = {
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"style", "class", "dir", "lang", "title", "align", "valign", "width", "height"},
    "a": {"href", "name"},
    "img": {"src", "alt", "border"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan", "bgcolor"},
    "th": {"colspan", "rowspan", "bgcolor"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor"},
    "blockquote": {"type"},
    "ol": {"start", "type"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "vertical-align", "margin", "margin-left", "margin-right",
    "margin-top", "margin-bottom", "padding", "padding-left", "padding-right", "padding-top",
    "padding-bottom", "border", "border-left", "border-top", "width", "height", "line-height",
    "white-space", "display",
}  # fmt: skip
_DANGEROUS_STYLE = re.compile(r"expression|javascript|vbscript|url\s*\(|behavio|@import|\\", re.I)
MAX_HTML_CHARS = 2_000_000


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if value.strip().lower().startswith(_IMAGE_SCHEMES) else None
    if tag == "a" and attr == "href" and value.strip().lower().startswith("data:"):
        return None
    if attr == "style" and _DANGEROUS_STYLE.search(value):
        return None
    return value


def sanitize(html: str) -> str:
    """Safe HTML for an agent's browser: no scripts, handlers, javascript: or remote images."""
    return nh3.clean(
        html[:MAX_HTML_CHARS],
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "xml", "noscript"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "xml", "noscript"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
# Markup by which mail clients wrap quoted history: Gmail, Thunderbird, Yahoo, Outlook web,
# Apple Mail (blockquote type=cite) and any other blockquote.
_QUOTE_CLASSES = re.compile(
    r"\b(gmail_quote|gmail_attr|moz-cite-prefix|yahoo_quoted|ydp\w*yahoo_quoted|"
    r"x_gmail_quote|OutlookMessageHeader|divRplyFwdMsg|x_divRplyFwdMsg|mail_ru_quote)\b",
    re.I,
)
_QUOTE_IDS = re.compile(r"^(divRplyFwdMsg|x_divRplyFwdMsg|OLK_SRC_BODY_SECTION|yahoo_quoted\w*)$")
_GMAIL_ONLY = re.compile(r"^\s*gmail_quote\s*$", re.I)
MAX_DEPTH = 200


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a quote)
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.after_quote = False  # an Outlook header block ends the visible part for good
        self.bare_start: int | None = None  # first line of the open top-level bare blockquote
        self.last_bare: tuple[int, int] | None = None  # lines of the last one closed

    def _newline(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.pre_depth == 0:
            text = re.sub(r"[ \t\r\n\f\v\u00a0]+", " ", text).strip()
        prefix = "> " * (self.quote_depth + (1 if self.after_quote else 0))
        if text or (self.lines and self.lines[-1].strip(" >")):
            self.lines.append(prefix + text if text else prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        if tag in _VOID:
            if tag == "br":
                self._newline()
            elif tag == "hr":
                self._newline()
                self.lines.append("\x00hr")
            elif tag == "img":
                alt = dict(attrs).get("alt")
                if alt:
                    self.current.append(alt)
            return
        if len(self.stack) >= MAX_DEPTH:
            return
        values = dict(attrs)
        classes = values.get("class") or ""
        # Gmail marks its quote with div.gmail_quote; a blockquote.gmail_quote standing alone is
        # pasted or indented text. Other clients mark real quotes by class or type=cite.
        quote = (tag == "blockquote" and (values.get("type") or "").lower() == "cite") or bool(
            (
                _QUOTE_CLASSES.search(classes)
                and not (tag == "blockquote" and _GMAIL_ONLY.match(classes))
            )
            or _QUOTE_IDS.match(values.get("id") or "")
            or (tag == "div" and values.get("name") == "quote")
        )
        if tag in _BLOCK or quote:
            self._newline()
        if (
            tag == "blockquote"
            and not quote
            and not _GMAIL_ONLY.match(classes)
            and self.quote_depth == 0
            and not any(t == "blockquote" for t, _ in self.stack)
        ):
            self.bare_start = len(self.lines)
        if quote:
            self.quote_depth += 1
        if tag == "pre":
            self.pre_depth += 1
        if tag == "li":
            self.current.append("- ")
        self.stack.append((tag, quote))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        if tag in _VOID or not any(t == tag for t, _ in self.stack):
            return
        while self.stack:
            open_tag, quote = self.stack.pop()
            if open_tag in _BLOCK or quote:
                self._newline()
            if quote:
                self.quote_depth -= 1
            if (
                open_tag == "blockquote"
                and self.bare_start is not None
                and not any(t == "blockquote" for t, _ in self.stack)
            ):
                self.last_bare = (self.bare_start, len(self.lines))
                self.bare_start = None
            if open_tag == "pre":
                self.pre_depth -= 1
            if open_tag == tag:
                break
        if tag in {"td", "th"}:
            self.current.append(" ")

    def handle_data(self, data: str) -> None:
        if self.skip_depth == 0:
            self.current.append(data)


def to_text(html: str) -> str:
    """Plain text of an HTML body; quoted history is prefixed with "> " like a text client would."""
    return to_texts(html)[0]


def to_texts(html: str) -> tuple[str, str]:
    """The whole text of an HTML body, and the text the reply parser reads for the new part.

    The second leaves out the last top-level blockquote that no client marked as a quote: as
    in talon, it is history (or a disclaimer's quote) unless it is all there is.
    """
    renderer = _Renderer()
    try:
        renderer.feed(html[:MAX_HTML_CHARS])
        renderer.close()
    except (AssertionError, ValueError, RecursionError):  # malformed markup: keep what we have
        pass
    renderer._newline()
    lines = renderer.lines
    reply = lines
    if renderer.last_bare:
        start, end = renderer.last_bare
        rest = lines[:start] + lines[end:]
        while (
            0 < start < len(rest)
            and not rest[start - 1].strip(" >")
            and not rest[start].strip(" >")
        ):
            del rest[start]  # one blank line where the quote was
        if any(line.strip(" >") and line != "\x00hr" for line in rest):
            reply = rest
    return _join(lines), _join(reply) if reply is not lines else _join(lines)


def _join(lines: list[str]) -> str:
    # Outlook and Windows Mail separate the quoted original with a bare rule; rendered as the
    # underscore line Outlook's own text part uses, the reply parser recognises it.
    return "\n".join(HR_LINE if line == "\x00hr" else line for line in lines).strip("\n")


HR_LINE = "_" * 32
