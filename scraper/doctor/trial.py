"""Changes applied to a loaded spec in memory, to try a candidate before it is written as text.

Only the kinds of change the doctor proposes are supported: a section's ``ready``, the DOM rows selector,
a DOM field's ``css``/``attr`` or column header, the endpoint's ``url_pattern``/``rows``/``method`` and an API field's
``path``. The final word is always the text patch loaded strictly (:mod:`scraper.doctor.check`); this
module only makes the search fast.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from scraper.doctor.model import Change
from scraper.spec import ApiSource, DomSource, FieldSpec, SectionSpec, Spec


def with_field(field: FieldSpec, **values: object) -> FieldSpec:
    """A copy of a field spec with some keys replaced (css, attr, path)."""
    return dataclasses.replace(field, **values)  # type: ignore[arg-type]


def with_dom(section: SectionSpec, rows: str | None = None, fields: dict[str, FieldSpec] | None = None) -> SectionSpec:
    """The section with another rows selector and/or some DOM fields replaced."""
    dom: DomSource = section.dom
    dom = dataclasses.replace(dom, rows=rows or dom.rows, fields={**dom.fields, **(fields or {})})
    return dataclasses.replace(section, dom=dom)


def with_api(
    section: SectionSpec,
    url_pattern: str | None = None,
    rows: str | None = None,
    method: str | None = None,
    fields: dict[str, FieldSpec] | None = None,
) -> SectionSpec:
    """The section with another endpoint pattern, rows path, method and/or some API fields replaced."""
    api = section.api
    assert api is not None
    api = dataclasses.replace(
        api,
        url_pattern=re.compile(url_pattern) if url_pattern is not None else api.url_pattern,
        rows=rows or api.rows,
        method=method or api.method,
        fields={**api.fields, **(fields or {})},
    )
    return dataclasses.replace(section, api=api)


def in_spec(spec: Spec, section: SectionSpec) -> Spec:
    """The spec with one section replaced."""
    return dataclasses.replace(spec, sections={**spec.sections, section.id: section})


def apply(spec: Spec, changes: Iterable[Change]) -> Spec:
    """The spec with every change applied (in memory); ValueError for a place this module does not know."""
    for change in changes:
        sid = change.place[1]
        section = spec.sections[sid]
        rest = change.place[2:]
        if rest == ("ready",) and change.new is not None:
            section = dataclasses.replace(section, ready=change.new)
        elif rest == ("dom", "rows") and change.new is not None:
            section = with_dom(section, rows=change.new)
        elif rest == ("dom", "next_page") and change.new is not None:
            section = dataclasses.replace(section, dom=dataclasses.replace(section.dom, next_page=change.new))
        elif rest == ("dom", "headers") and change.new is not None:
            section = dataclasses.replace(section, dom=dataclasses.replace(section.dom, headers=change.new))
        elif rest[:2] == ("dom", "fields") and len(rest) == 4 and rest[3] in {"css", "attr"}:
            field = section.dom.fields[rest[2]]
            section = with_dom(section, fields={rest[2]: with_field(field, **{rest[3]: change.new})})
        elif rest[:2] == ("dom", "fields") and len(rest) == 5 and rest[3] == "column" and change.new is not None:
            field = section.dom.fields[rest[2]]  # the new header joins the labels (as in the patched file)
            section = with_dom(section, fields={rest[2]: with_field(field, column=(*field.column, change.new))})
        elif rest == ("api", "url_pattern"):
            section = with_api(section, url_pattern=change.new)
        elif rest == ("api", "rows"):
            section = with_api(section, rows=change.new)
        elif rest == ("api", "method"):
            section = with_api(section, method=change.new)
        elif rest[:2] == ("api", "fields") and len(rest) == 4 and rest[3] == "path":
            assert section.api is not None
            field = section.api.fields[rest[2]]
            section = with_api(section, fields={rest[2]: with_field(field, path=change.new)})
        else:
            raise ValueError(f"the doctor cannot apply a change at {change.where}")
        spec = in_spec(spec, section)
    return spec


def api_of(section: SectionSpec) -> ApiSource:
    """The section's API source (the callers have checked that it has one)."""
    assert section.api is not None
    return section.api
