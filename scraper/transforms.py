"""Named text transforms that selectors.yaml applies to a raw value before it is typed.

A transform is written in YAML as a bare name (``collapse_ws``) or a one-key mapping with its argument
(``{regex: 'notifications/(\\w+)'}``). :func:`compile_transform` checks the name and argument when the
spec is loaded, so a typo fails before any browser starts. A transform maps text to text, or text to a
list of texts (``findall``); applied to a list it maps over the items. ``regex`` that finds
nothing returns None, which the parser treats as a missing value; ``findall`` returns an empty list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from scraper.text import squash

Value = str | list[str] | None
TransformFn = Callable[[str], str | list[str] | None]


class TransformArgError(ValueError):
    """The argument written in selectors.yaml does not suit the transform."""


def _no_arg(fn: TransformFn) -> Callable[[object], TransformFn]:
    def factory(arg: object) -> TransformFn:
        if arg is not None:
            raise TransformArgError("takes no argument")
        return fn

    return factory


def _pattern(arg: object) -> re.Pattern[str]:
    if not isinstance(arg, str) or not arg:
        raise TransformArgError("needs a regular expression as its argument")
    try:
        return re.compile(arg)
    except re.error as exc:
        raise TransformArgError(f"invalid regular expression: {exc}") from exc


def _regex(arg: object) -> TransformFn:
    pattern = _pattern(arg)

    def apply(text: str) -> str | None:
        m = pattern.search(text)
        if m is None:
            return None
        return m.group(1) if pattern.groups else m.group(0)

    return apply


def _findall(arg: object) -> TransformFn:
    pattern = _pattern(arg)
    if pattern.groups > 1:
        raise TransformArgError("findall takes at most one group")

    def apply(text: str) -> list[str]:
        return list(dict.fromkeys(pattern.findall(text)))  # ordered, without repeats

    return apply


def _match(arg: object) -> TransformFn:
    pattern = _pattern(arg)
    return lambda text: "true" if pattern.search(text) else "false"


def _collapse_ws(text: str) -> str:
    return squash(text)


def _label_key(text: str) -> str:
    """How shown labels are compared: case, spaces and separators do not count."""
    return re.sub(r"[\s_\-‐-―/]+", "", text).casefold()


def _label_table(arg: object) -> dict[str, dict[str, str]]:
    """A code table ``{code: {en: label, de: label}}``; English is the label records carry."""
    if not isinstance(arg, dict) or not arg:
        raise TransformArgError("needs a mapping {code: {en: label, de: label}}")
    for code, labels in arg.items():
        if not isinstance(code, str) or not code.strip():
            raise TransformArgError("needs non-empty text codes as keys")
        if (
            not isinstance(labels, dict)
            or "en" not in labels
            or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items())
        ):
            raise TransformArgError(f"code {code!r} needs a mapping of language to label with at least 'en'")
    return arg


def _humanise(code: str) -> str:
    """A readable stand-in for a code no table names: "ui_wrong_item_sent" -> "Wrong item sent"."""
    words = re.sub(r"^ui_", "", code.strip()).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def _code_label(arg: object) -> TransformFn:
    table = _label_table(arg)
    return lambda code: table[code]["en"] if code in table else _humanise(code)


def _label_code(arg: object) -> TransformFn:
    table = _label_table(arg)
    index = {_label_key(code): code for code in table}
    for code, labels in table.items():
        for label in labels.values():
            index.setdefault(_label_key(label), code)
    # A label the table lacks stays as shown: kept verbatim, never dropped or guessed.
    return lambda text: index.get(_label_key(text), text.strip())


def _pick(arg: object) -> TransformFn:
    """The first of the listed phrases that the text contains (ignoring case), else the text unchanged.

    For a status written into a longer sentence ("Manufacturer contact details submission is required"):
    a known phrase becomes the enum label, and a sentence without one stays whole, so that the enum keeps
    it as Unknown instead of losing it.
    """
    if not (isinstance(arg, list) and arg and all(isinstance(a, str) and a.strip() for a in arg)):
        raise TransformArgError("needs a non-empty list of phrases")
    phrases = [(phrase, phrase.casefold()) for phrase in arg]

    def apply(text: str) -> str:
        folded = text.casefold()
        return next((phrase for phrase, key in phrases if key in folded), text)

    return apply


REGISTRY: dict[str, Callable[[object], TransformFn]] = {
    "collapse_ws": _no_arg(_collapse_ws),
    "url_decode": _no_arg(unquote_plus),
    "pick": _pick,
    "regex": _regex,
    "findall": _findall,
    "match": _match,
    "code_label": _code_label,
    "label_code": _label_code,
}
"""Every transform name selectors.yaml may use, mapped to a factory that checks the argument. Only the ones
the shipped file uses are here (tests/test_transforms.py checks that); add one when a selector needs it."""


@dataclass(frozen=True)
class Transform:
    """One compiled transform step."""

    name: str
    arg: object
    fn: TransformFn

    def __call__(self, value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            out: list[str] = []
            for item in value:
                if item is None:  # a null in a JSON list is a missing item, not text to transform
                    continue
                result = self.fn(item)
                if isinstance(result, list):
                    out.extend(result)
                elif result is not None:
                    out.append(result)
            return out
        return self.fn(value)


def compile_transform(name: str, arg: object = None) -> Transform:
    """Look up a transform by name and bind its argument; KeyError or TransformArgError when invalid."""
    factory = REGISTRY[name]
    return Transform(name, arg, factory(arg))


def apply_all(steps: tuple[Transform, ...], value: Value) -> Value:
    """Run the steps in order; a None from any step ends the chain as a missing value."""
    for step in steps:
        value = step(value)
        if value is None:
            return None
    return value
