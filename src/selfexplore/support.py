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


def _names(names: list[str]) -> str:
    """ "a", "a and b", "a, b and c", escaped."""
    shown = [escape(n) for n in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def render_help(content: Content, challenge_ids: Iterable[str], *, full: bool = True) -> str:
    """Escaped HTML: for each ticked challenge, who to go to and how to reach them. A person or an office
    named under several challenges is described at the first and named after that (walk review 4: the
    Society advisor's line under every need). `full=False` leaves out what each one does, for a page that
    describes them further down (Who can help)."""
    found = help_for(content, challenge_ids)
    if not found:
        return "<p>Nothing ticked. Whatever comes up later, your Society advisor is a good first person to ask.</p>"
    parts = [
        "<p class=\"se-muted\">These pairings are the workbook's suggestions, not the school's rules: check "
        "them with your Society advisor, who knows who can help best.</p>"
    ]
    described: set[str] = set()

    def line(support: Support) -> str:
        name = f"<strong>{escape(support.name)}</strong>"
        if support.id in described:
            return f"<li>{name}: described above.</li>"
        described.add(support.id)
        what = f"{escape(support.what)} " if full else ""
        return f"<li>{name}: {what}<em>How to reach them:</em> {reach_html(support)}</li>"

    for entry in found:
        supports = "".join(line(s) for s in entry.supports)
        events = "".join(f"<li>{escape(e.name)} ({escape(e.when)})</li>" for e in entry.events)
        events_part = f"<p>Events that can help:</p><ul>{events}</ul>" if events else ""
        parts.append(f"<h3>{escape(entry.challenge.label)}</h3><ul class='se-supports'>{supports}</ul>{events_part}")
    return "".join(parts)


def advising_map(content: Content) -> str:
    """Escaped HTML: for each need, who and which events answer it, by name; then each person, office and
    event once, folded under its name, with what it does and how to reach it or when it is; then the
    sources."""
    resources = content.resources
    sections = []
    for need in resources.needs:
        supports = [s.name for s in resources.supports if need.id in s.needs]
        events = [e.name for e in resources.events if need.id in e.needs]  # when each is: under The events
        sections.append(
            f'<section class="se-need"><h3>{escape(need.label)}</h3><p>{escape(need.description)}</p>'
            + (f"<p><strong>Go to:</strong> {_names(supports)}.</p>" if supports else "")
            + (f"<p><strong>Events:</strong> {_names(events)}.</p>" if events else "")
            + "</section>"
        )
    # Each folded under its name (a phone shows the names on one screen; a tap opens one).
    people = "".join(
        f'<details class="se-entry"><summary>{escape(s.name)}</summary><p>{escape(s.what)}</p>'
        f"<p><em>How to reach them:</em> {reach_html(s)}</p></details>"
        for s in resources.supports
    )
    happenings = "".join(
        f'<details class="se-entry"><summary>{escape(e.name)}</summary><p>{escape(e.what)}</p>'
        f"<p><em>When:</em> {escape(e.when)}</p></details>"
        for e in resources.events
    )
    sources = "".join(
        f'<li>{escape(s.publisher)}, <a href="{escape(s.url, quote=True)}">{escape(s.title)}</a> ({s.year})</li>'
        for s in resources.sources
    )
    return (
        f"<h2>By what you need</h2>{''.join(sections)}"
        f"<h2>Who they are and how to reach them</h2><p>Open a name to read what they do and how to reach them."
        f"</p>{people}<h2>The events</h2><p>Open an event to read what it is and when.</p>{happenings}"
        f"<h2>Sources</h2><ul>{sources}</ul>"
    )
