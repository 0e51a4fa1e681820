"""How to explore a specialty or a career path at this school: the people and events behind each page.

The ways come from the content pack (resources.yaml `explore`, and a page's own `events`), so another
school changes them by editing one file. Each way has a stable id, `<page id>_<way id>`, which is also the
id of the plan step it can become.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from selfexplore.content import Contact, Content, Event, Field, Support
from selfexplore.support import contact_html


@dataclass(frozen=True)
class WayHere:
    """One concrete way to explore one page."""

    step_id: str
    page_id: str
    action: str
    name: str
    detail: str
    how: str
    how_label: str  # what `how` says: how to reach a person or an office, or when an event is
    contact: Contact | None = None  # a person's or an office's contact details, as the content pack gives them


HOW_TO_REACH = "How to reach them"
WHEN = "When"
HOW = "How"  # a step of the student's own doing, such as reading a page


def _describe(target: Support | Event) -> tuple[str, str, str, Contact | None]:
    if isinstance(target, Support):
        return target.what, target.how_to_reach, HOW_TO_REACH, target.contact
    return target.what, target.when, WHEN, None


def ways_for(content: Content, page: Field) -> tuple[WayHere, ...]:
    """The school's ways to explore this page, in content order: the general ones for its kind, then its own."""
    resources = content.resources
    kind = "specialty" if page.kind == "specialty" else "path"
    found: list[WayHere] = []
    for way in resources.explore:
        if way.applies_to != kind:
            continue
        target: Support | Event = resources.supports_by_id.get(way.ref) or resources.events_by_id[way.ref]
        detail, how, how_label, contact = _describe(target)
        found.append(
            WayHere(
                f"{page.id}_{way.id}",
                page.id,
                way.action_for(page.id).replace("{name}", page.name),
                target.name,
                detail,
                how,
                how_label,
                contact,
            )
        )
    for event_id in page.events:
        event = resources.events_by_id[event_id]
        if any(w.name == event.name for w in found):
            continue
        found.append(
            WayHere(f"{page.id}_{event.id}", page.id, f"Go to {event.name}.", event.name, event.what, event.when, WHEN)
        )
    return tuple(found)


def render_ways(content: Content, page: Field, described: dict[str, str] | None = None) -> str:
    """Escaped HTML: the "how to explore it here" section of a page. On a page of several fields,
    `described` (shared by their calls) holds who and what was described already, and under which field's
    name: each is described in full once, and named after that (walk review: the Society advisor's paragraph
    eight times over on Career paths)."""
    items = []
    for way in ways_for(content, page):
        first = described.get(way.name) if described is not None else None
        if first is None:
            if described is not None:
                described[way.name] = page.name
            detail = f"{escape(way.detail)} <em>{way.how_label}:</em> {escape(way.how)}{contact_html(way.contact)}"
        else:
            detail = f"described under {escape(first)} above."
        items.append(
            f"<li><strong>{escape(way.action)}</strong> <span class='se-way-detail'>{escape(way.name)}: "
            f"{detail}</span></li>"
        )
    school = escape(content.resources.school.name)
    return (
        f'<section aria-labelledby="se-explore-{escape(page.id)}"><h3 id="se-explore-{escape(page.id)}">'
        f"How to explore it at {school}</h3><ul class='se-ways'>{''.join(items)}</ul></section>"
    )
