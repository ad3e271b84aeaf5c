"""Replace personal data and secrets in captured pages and JSON bodies, so they can become fixtures.

Order ids, e-mail addresses, merchant and customer ids, tokens, names and addresses are replaced with
stable placeholders: the same original always gets the same placeholder within one :class:`Redactor`,
so rows still relate to each other. A page has no keys that say "this is a name": there, an element whose
class, id or data attribute says it holds a buyer's (customer's, recipient's, ...) name or address is
replaced, and every name the redactor has learnt (from JSON keys or such elements) is replaced wherever it
appears in the text, so a capture's pages lose the names its JSON bodies carried. Marketplace ids are
public and kept. Inline scripts are dropped entirely, because they carry CSRF tokens and session data in
unpredictable shapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bs4 import BeautifulSoup, Comment

from scraper.text import squash

ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
MERCHANT_ID = re.compile(r"\bA(?=[0-9A-Z]*\d)[0-9A-Z]{9,15}\b")  # ids carry digits; words do not
LONG_TOKEN = re.compile(r"\b[A-Za-z0-9+/_=-]{40,}\b")
SECRET_KEYS = re.compile(r"token|csrf|session|secret|password|encrypted|ubid|signature|auth|cookie", re.I)
NAME_KEYS = re.compile(
    r"(^|_)(buyer|customer|contact|seller|merchant|first|last|full|recipient|ship_?to)?_?name$|"
    r"^(buyer|customer|recipient)|address|phone|street|city|postal|zip",
    re.I,
)
ID_KEYS = re.compile(r"(merchant|customer|buyer|rater|ratee|seller|obfuscated).*id$", re.I)
NAME_MARKS = re.compile(
    r"(buyer|customer|recipient|contact|rater|reviewer|ship[-_]?to)[-_]?(full[-_]?)?(name|address)", re.I
)
"""A class, id or data attribute of an element that holds a person's name or address on a page."""
MIN_NAME = 3
"""Shorter learnt names are not replaced in free text (a two-letter value would hit ordinary words)."""
SENSITIVE_ATTRS = re.compile(r"^(data-)?(.*(token|csrf|session|merchant|customer|buyer|email).*)$", re.I)


def drop_session_material(soup: BeautifulSoup) -> BeautifulSoup:
    """Inline scripts (they carry CSRF tokens and session data in unpredictable shapes) and CSRF metas out."""
    for script in soup.find_all("script"):
        if script.get("src"):
            script.clear()
        else:
            script.replace_with(Comment(" inline script removed by scraper capture "))
    for meta in soup.select("meta[name*=csrf], meta[name*=token]"):
        meta["content"] = "REDACTED"
    return soup


class Redactor:
    """Stable replacements for one capture."""

    def __init__(self, keep_ids: Iterable[str] = ()) -> None:
        self.keep = set(keep_ids)
        self.mapping: dict[str, str] = {}

    def _stable(self, original: str, kind: str, make: str) -> str:
        key = f"{kind}:{original}"
        if key not in self.mapping:
            n = sum(1 for k in self.mapping if k.startswith(kind + ":")) + 1
            self.mapping[key] = make.format(n=n)
        return self.mapping[key]

    def _learnt_names(self) -> list[tuple[str, str]]:
        """(name, placeholder) of every name learnt so far, longest first (a full name before its parts)."""
        names = [(k[len("name:") :], v) for k, v in self.mapping.items() if k.startswith("name:")]
        return sorted((n for n in names if len(n[0].strip()) >= MIN_NAME), key=lambda n: -len(n[0]))

    def text(self, value: str) -> str:
        """Redact learnt names, ids, e-mails and long tokens inside free text."""
        for name, placeholder in self._learnt_names():
            value = value.replace(name, placeholder)
        value = ORDER_ID.sub(lambda m: self._stable(m[0], "order", "000-0000000-{n:07d}"), value)
        value = EMAIL.sub(lambda m: self._stable(m[0], "email", "person{n}@example.invalid"), value)
        value = MERCHANT_ID.sub(
            lambda m: m[0] if m[0] in self.keep else self._stable(m[0], "merchant", "AREDACTED{n:05d}"), value
        )
        return LONG_TOKEN.sub(lambda m: self._stable(m[0], "token", "REDACTED-TOKEN-{n}"), value)

    def json(self, value: Any, key: str = "") -> Any:
        """Redact a parsed JSON document: secret-named keys wholesale, names, ids, then free text."""
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if isinstance(value, str):
            if SECRET_KEYS.search(key):
                return "REDACTED"
            if NAME_KEYS.search(key):
                return self._stable(value, "name", "Redacted Name {n}")
            if ID_KEYS.search(key):
                return self._stable(value, "id", "REDACTED-ID-{n}")
            return self.text(value)
        return value

    def json_body(self, body: bytes | str) -> str:
        """A JSON body, redacted and pretty-printed; non-JSON bodies are redacted as text."""
        try:
            document = json.loads(body)
            return json.dumps(self.json(document), ensure_ascii=False, indent=2) + "\n"
        except (ValueError, UnicodeDecodeError, RecursionError):
            # Not JSON, or nested deeper than Python recurses (a hostile body): redacted as text, so the
            # capture is still saved and its replay names the problem, as the run did.
            return self.text(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)

    def html(self, page: str) -> str:
        """A rendered page with scripts, hidden inputs, CSRF metas and sensitive attributes cleared."""
        soup = drop_session_material(BeautifulSoup(page, "lxml"))
        for element in soup.find_all(True):
            marks = " ".join(
                " ".join(v) if isinstance(v, list) else str(v)
                for k, v in element.attrs.items()
                if k in {"class", "id"} or k.startswith("data-")
            )
            if NAME_MARKS.search(marks) and (text := squash(element.get_text(" "))):
                element.string = self._stable(text, "name", "Redacted Name {n}")
        for field in soup.select("input[type=hidden], input[type=password]"):
            if field.get("value"):
                field["value"] = "REDACTED"
        for element in soup.find_all(True):
            for attr, value in list(element.attrs.items()):
                if isinstance(value, str):
                    element[attr] = "REDACTED" if SENSITIVE_ATTRS.match(attr) else self.text(value)
        for node in soup.find_all(string=True):
            if not isinstance(node, Comment) and node.strip():
                node.replace_with(self.text(str(node)))
        return str(soup)
