"""Who can help with what: the challenges a student ticked, mapped to the supports and events of the school.

The mapping lives in the content pack (resources.yaml, `challenges`), so advising staff change it without
code. The workbook never asks why a challenge applies; it only points to people and events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from selfexplore.content import Challenge, Contact, Content, Event, Support


@dataclass(frozen=True)
class Help:
    challenge: Challenge
    supports: tuple[Support, ...]
    events: tuple[Event, ...]


def help_for(content: Content, challenge_ids: Iterable[str]) -> tuple[Help, ...]:
    """The supports and events for each ticked challenge, in the order of the content pack."""
    ticked = set(challenge_ids)
    resources = content.resources
    return tuple(
        Help(
            challenge,
            tuple(resources.supports_by_id[s] for s in challenge.supports),
            tuple(resources.events_by_id[e] for e in challenge.events),
        )
        for challenge in resources.challenges
        if challenge.id in ticked
    )


def contact_html(contact: Contact | None) -> str:
    """Escaped HTML: how to reach a person or an office, exactly as the content pack gives it (an email and
    a web page as links, a phone, a place); empty where it gives none."""
    if contact is None:
        return ""
    parts = []
    if contact.email:
        parts.append(f'Email <a href="mailto:{escape(contact.email, quote=True)}">{escape(contact.email)}</a>')
    if contact.url:
        parts.append(
            f'<a href="{escape(contact.url, quote=True)}" rel="noopener noreferrer" target="_blank">'
            f"{escape(contact.url)}</a>"
        )
    if contact.phone:
        parts.append(f"Phone {escape(contact.phone)}")
    if contact.place:
        parts.append(escape(contact.place))
    return f' <span class="se-contact">{" · ".join(parts)}</span>'


def reach_html(support: Support) -> str:
    """Escaped HTML: the support's own words on how to reach it, then its contact details."""
    return escape(support.how_to_reach) + contact_html(support.contact)


def render_help(content: Content, challenge_ids: Iterable[str]) -> str:
    """Escaped HTML: for each ticked challenge, who to go to and how to reach them."""
    found = help_for(content, challenge_ids)
    if not found:
        return "<p>Nothing ticked. Whatever comes up later, your Society advisor is a good first person to ask.</p>"
    parts = [
        "<p class=\"se-muted\">These pairings are the workbook's suggestions, not the school's rules: check "
        "them with your Society advisor, who knows who can help best.</p>"
    ]
    for entry in found:
        supports = "".join(
            f"<li><strong>{escape(s.name)}</strong>: {escape(s.what)} <em>How to reach them:</em> {reach_html(s)}</li>"
            for s in entry.supports
        )
        events = "".join(f"<li>{escape(e.name)} ({escape(e.when)})</li>" for e in entry.events)
        events_part = f"<p>Events that can help:</p><ul>{events}</ul>" if events else ""
        parts.append(f"<h3>{escape(entry.challenge.label)}</h3><ul class='se-supports'>{supports}</ul>{events_part}")
    return "".join(parts)


def advising_map(content: Content) -> str:
    """Escaped HTML: for each need in the content pack, the supports and the events that answer it."""
    resources = content.resources
    sections = []
    for need in resources.needs:
        supports = [s for s in resources.supports if need.id in s.needs]
        events = [e for e in resources.events if need.id in e.needs]
        people = "".join(
            f"<li><strong>{escape(s.name)}</strong>. <em>How to reach them:</em> {reach_html(s)}</li>" for s in supports
        )
        happenings = "".join(f"<li>{escape(e.name)} ({escape(e.when)})</li>" for e in events)
        sections.append(
            f'<section class="se-need"><h3>{escape(need.label)}</h3><p>{escape(need.description)}</p>'
            + (f"<p>Go to:</p><ul>{people}</ul>" if people else "")
            + (f"<p>Events:</p><ul>{happenings}</ul>" if happenings else "")
            + "</section>"
        )
    sources = "".join(
        f'<li>{escape(s.publisher)}, <a href="{escape(s.url, quote=True)}">{escape(s.title)}</a> ({s.year})</li>'
        for s in resources.sources
    )
    return f"<h2>By what you need</h2>{''.join(sections)}<h2>Sources</h2><ul>{sources}</ul>"
