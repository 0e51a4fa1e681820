"""The `selfexplore` command. Bad input exits 2 with one line naming the problem, never a traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from selfexplore import settings
from selfexplore.content import Content, load_content, stale_pages, validate_content
from selfexplore.errors import ContentError, InputError, SelfexploreError
from selfexplore.matching import FieldList, Match, rank
from selfexplore.profile import parse_profile
from selfexplore.scoring import parse_answers, score_answers
from selfexplore.services.visit import Visit
from selfexplore.serving.serve import ADVISER_PORT, DEFAULT_POOL, DEFAULT_PORT, FACILITATOR_PORT, HOST
from selfexplore.store import Store
from selfexplore.store.files import write_private

EXIT_INVALID = 2


class UsageError(SelfexploreError):
    """A command line that cannot be carried out."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block before its message; one line is easier to act on.
        raise UsageError(message)


def _whole(text: str, least: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < least:
        raise argparse.ArgumentTypeError(f"expected a number of at least {least}, got {number}")
    return number


def _positive(text: str) -> int:
    return _whole(text, 1)


def _count(text: str) -> int:
    return _whole(text, 0)


def _port(text: str) -> int:
    number = _positive(text)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {number}")
    return number


def _base_url(text: str) -> str:
    from selfexplore.serving.serve import normalise_base_url

    try:
        return normalise_base_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _listen_address(text: str) -> str:
    """An IP address to listen on, or localhost; a host name is refused (it could mean several addresses)."""
    import ipaddress

    named = text.strip().strip("[]")
    if named == "localhost":
        return HOST
    try:
        return str(ipaddress.ip_address(named))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an IP address such as 0.0.0.0 or 127.0.0.1, got {text!r}") from None


def _add_common(parser: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """--db and --content, before the command or after it (`selfexplore serve --content DIR` as well as
    `selfexplore --content DIR serve`); after it, an option left out keeps what was given before it."""
    unset: str | None = argparse.SUPPRESS if after_command else None
    parser.add_argument(
        "--db", metavar="URL", default=unset, help="database URL (default: $SELFEXPLORE_DB_URL or an SQLite file)"
    )
    parser.add_argument(
        "--content",
        metavar="DIR",
        default=unset,
        help="content pack folder (default: $SELFEXPLORE_CONTENT or the shipped pack)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="selfexplore", description="A self-exploration workbook for medical students.")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check a content pack and list every problem")
    validate.add_argument("dir", nargs="?", help="content pack folder (default: the one in use)")

    items = commands.add_parser("items", help="list the questionnaire items")
    items.add_argument("--json", action="store_true", help="print JSON")

    score = commands.add_parser("score", help="turn answers into a profile")
    score.add_argument("--answers", required=True, metavar="FILE", help="JSON object of item id: answer")
    score.add_argument("--json", action="store_true", help="print JSON")

    match = commands.add_parser("match", help="rank specialties or career paths for a profile")
    match.add_argument("--profile", required=True, metavar="FILE", help="a profile JSON object, or a list of them")
    match.add_argument("--kind", choices=["specialties", "paths"], default="specialties")
    match.add_argument("--top", type=_positive, metavar="N", help="show only the best N")
    match.add_argument("--json", action="store_true", help="print JSON")

    export = commands.add_parser("export", help="all of a student's data as JSON")
    _resume_code_arguments(export)
    export.add_argument("--out", metavar="FILE", help="write to FILE (readable only by you) instead of printing")

    report = commands.add_parser("report", help="a student's report, as self-contained HTML or as JSON")
    _resume_code_arguments(report)
    report.add_argument("--out", metavar="FILE", required=True, help="the file to write (.html or .json)")
    report.add_argument("--format", choices=["html", "json"], help="default: from the file's extension")

    remove = commands.add_parser("delete", help="delete all of a student's data")
    _resume_code_arguments(remove)

    serve = commands.add_parser("serve", help="serve the workbook through Voila")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N")
    serve.add_argument(
        "--pool",
        type=_count,
        metavar="N",
        help=(
            f"kernels kept ready for students arriving at once (default: ${settings.POOL.name} or {DEFAULT_POOL}; "
            "0: none)"
        ),
    )
    serve.add_argument(
        "--base-url",
        type=_base_url,
        default="/",
        metavar="PATH",
        help="serve under this path prefix, for a web server in front that passes it on (default: /)",
    )
    serve.add_argument(
        "--ip",
        type=_listen_address,
        default=HOST,
        metavar="ADDRESS",
        help=f"the address to listen on (default: {HOST}, this machine only; 0.0.0.0 for every network)",
    )

    hub_server = commands.add_parser(
        "hub-server", help="a user's JupyterHub server: the workbook behind the hub's sign-in (started by the hub)"
    )
    role = hub_server.add_mutually_exclusive_group()
    role.add_argument(
        "--facilitator", action="store_true", help="serve the facilitator dashboard instead (facilitators group)"
    )
    role.add_argument("--adviser", action="store_true", help="serve the adviser's page instead (advisers group)")
    commands.add_parser(
        "hub-service",
        help="the workbook every student of a hub shares, behind the hub's sign-in (started by the hub as a service)",
    )

    session = commands.add_parser("session", help="group sessions: create, list, close, export")
    actions = session.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = actions.add_parser("create", help="open a session and print its join code")
    create.add_argument("--name", required=True, help="what students will see, e.g. 'PDW, group B'")
    create.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the day it is held")
    actions.add_parser("list", help="every session with its code and size")
    close = actions.add_parser("close", help="stop a session taking new members")
    close.add_argument("code", help="the session's join code")
    export_session = actions.add_parser("export", help="the session's anonymous figures as CSV or HTML")
    export_session.add_argument("code", help="the session's join code")
    export_session.add_argument("--out", metavar="FILE", required=True, help="the file to write (.csv or .html)")

    sheet = commands.add_parser("review-sheet", help="a page's printable review sheet, for a physician of the field")
    sheet.add_argument("id", help="the specialty's or career path's id")
    sheet.add_argument("--out", metavar="FILE", required=True, help="the HTML file to write")

    instrument = commands.add_parser(
        "instrument", help="the questionnaire's evidence from the store's answers (reliability, retest)"
    )
    instrument.add_argument("--json", action="store_true", help="print JSON")
    instrument.add_argument("--out", metavar="FILE", help="write the figures as an HTML page (readable only by you)")

    facilitate = commands.add_parser("facilitate", help="serve the facilitator dashboard (its own server)")
    facilitate.add_argument("--port", type=_port, default=FACILITATOR_PORT, metavar="N")

    advise = commands.add_parser("advise", help="serve one adviser's page: the students who shared with them")
    advise.add_argument("--adviser", required=True, type=_adviser_name, metavar="NAME", help="the adviser it is for")
    advise.add_argument("--port", type=_port, default=ADVISER_PORT, metavar="N")

    adviser = commands.add_parser("adviser", help="advisers and what students share with them (hosting side)")
    adviser_actions = adviser.add_subparsers(dest="action", required=True, parser_class=_Parser)
    adviser_actions.add_parser("list", help="every adviser students share with, and how many")
    shares = adviser_actions.add_parser("shares", help="what students share with one adviser")
    shares.add_argument("name", type=_adviser_name, help="the adviser's user name")
    revoke = adviser_actions.add_parser("revoke", help="end what students share with an adviser (and their notes)")
    revoke.add_argument("name", type=_adviser_name, help="the adviser's user name")
    revoke.add_argument("--share", type=_positive, metavar="ID", help="end only this share (see `adviser shares`)")
    for command in commands.choices.values():
        _add_common(command, after_command=True)
    return parser


def _adviser_name(text: str) -> str:
    from selfexplore.serving.identity import ADVISER_NAME_LIMIT

    name = text.strip()
    if not name or len(name) > ADVISER_NAME_LIMIT or any(ord(c) < 32 for c in name):
        raise argparse.ArgumentTypeError(f"an adviser's name has 1 to {ADVISER_NAME_LIMIT} printable characters")
    return name


def _cmd_adviser(content: Content, args: argparse.Namespace) -> int:
    from selfexplore.services.adviser import AdviserRoster

    with Store.open(content, args.db) as store:
        roster = AdviserRoster(store)
        if args.action == "list":
            for adviser in roster.summary():
                shown = f"  ({adviser.display})" if adviser.display and adviser.display != adviser.name else ""
                print(
                    f"{adviser.name}{shown}: {adviser.students} student(s) share with them, "
                    f"newest on {adviser.newest.date().isoformat()}"
                )
            return 0
        if args.action == "shares":
            found = roster.shares(args.name)
            if not found:
                print(f"no student shares anything with {args.name}")
            for share in found:
                print(roster.share_line(share))
            return 0
        ended = roster.revoke(args.name, args.share)
        if args.share is not None and not ended:
            raise InputError(f"{args.name} has no share {args.share}")
        noted = "" if args.share is not None else "; their notes are deleted"
        print(f"ended {ended} share(s) with {args.name}{noted}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def _cmd_session(content: Content, args: argparse.Namespace) -> int:
    from selfexplore.services.facilitator import FacilitatorService, listing_lines

    with Store.open(content, args.db) as store:
        sessions = FacilitatorService(content, store)
        if args.action == "create":
            created = sessions.create(args.name, args.date)
            print(created.code)
            print(f"session “{created.name}” is open: students type {created.code} on the start page", file=sys.stderr)
        elif args.action == "list":
            lines = listing_lines(sessions.sessions())
            for line in lines:
                print(line)
            if not lines:  # a host creating the store with this command is told it worked (hosting review H6)
                print("no group sessions yet; the store is ready", file=sys.stderr)
        elif args.action == "close":
            closed = sessions.close(args.code)
            print(f"closed {closed.code}: “{closed.name}” takes no new members")
        else:
            figures = sessions.figures(args.code)
            made = sessions.export(figures)
            text = made.csv if args.out.lower().endswith(".csv") else made.html
            try:
                write_private(Path(args.out), text)
            except OSError as error:
                raise InputError(f"cannot write {args.out}: {error.strerror}") from None
            print(f"exported {figures.session.code} to {args.out}")
    return 0


def _cmd_review_sheet(content: Content, args: argparse.Namespace) -> int:
    from selfexplore.signoff import review_sheet

    field = content.fields_by_id.get(args.id)
    if field is None:
        raise InputError(f"no specialty or career path with id {args.id!r}")
    try:
        Path(args.out).write_text(review_sheet(content, field, date.today()), encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {args.out}: {error.strerror}") from None
    print(f"the review sheet of {field.name} is in {args.out}")
    return 0


def _cmd_instrument(content: Content, args: argparse.Namespace) -> int:
    from selfexplore.instrument import evidence_json, render_evidence
    from selfexplore.report import html_document
    from selfexplore.services.facilitator import FacilitatorService

    with Store.open(content, args.db) as store:
        found = FacilitatorService(content, store).instrument()
    if args.out:
        page = html_document("The questionnaire's evidence · selfexplore", render_evidence(content, found))
        try:
            write_private(Path(args.out), page)
        except OSError as error:
            raise InputError(f"cannot write {args.out}: {error.strerror}") from None
        print(f"the questionnaire's evidence written to {args.out}")
    if args.json:
        _print_json(evidence_json(found))
    elif not args.out:
        print(f"{found.respondents} students, {found.retakers} with a retake")
        for d in found.dimensions:
            if d.withheld:
                print(f"{d.dimension:>20}  withheld: {d.withheld}")
                continue
            omega = f"{d.omega:.2f}" if d.omega is not None else "-"
            retest = f"{d.retest:.2f}" if d.retest is not None else "-"
            alpha = f"{d.alpha:.2f}" if d.alpha is not None else "-"
            spread = f"{d.spread:.2f}" if d.spread is not None else "-"
            print(f"{d.dimension:>20}  alpha {alpha}  omega {omega}  sd {spread}  retest {retest}  n {d.students}")
    return 0


def _resume_code_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--code-file",
        metavar="FILE",
        help="read the student's resume code from FILE (default: standard input, or a prompt)",
    )
    # Only to refuse it with a sentence: a code on the command line is seen in the process list and history.
    parser.add_argument("--code", help=argparse.SUPPRESS)


def _resume_code(args: argparse.Namespace) -> str:
    """The resume code from --code-file, standard input, or a prompt that does not show it."""
    if args.code is not None:
        raise UsageError(
            "a resume code is never given on the command line, where other users of the machine can see it: "
            "pass it on standard input or with --code-file FILE"
        )
    if args.code_file:
        try:
            text = Path(args.code_file).read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot read {args.code_file}: {error.strerror}") from None
    elif sys.stdin is not None and sys.stdin.isatty():
        text = getpass.getpass("Resume code: ")
    else:
        text = sys.stdin.readline() if sys.stdin is not None else ""
    code = text.strip()
    if not code:
        raise InputError("no resume code given: pass it on standard input or with --code-file FILE")
    return code


def _read_json(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {path}: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path} is not valid JSON: {error.msg} at line {error.lineno}") from None


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _cmd_validate(args: argparse.Namespace) -> int:
    target = args.dir or args.content
    problems = validate_content(target)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_INVALID
    content = load_content(target)
    from selfexplore.signoff import unreviewed

    for warning in (*stale_pages(content, date.today()), *unreviewed(content)):
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"content pack is valid: {len(content.dimensions)} dimensions, {len(content.systems)} body systems, "
        f"{len(content.questionnaire.items)} items, {len(content.specialties)} specialties, "
        f"{len(content.paths)} career paths"
    )
    return 0


def _cmd_items(content: Content, args: argparse.Namespace) -> int:
    questionnaire = content.questionnaire
    if args.json:
        _print_json(
            {
                "scales": [scale.model_dump(mode="json") for scale in questionnaire.scales],
                "sections": [section.model_dump(mode="json") for section in questionnaire.sections],
                "items": [item.model_dump(mode="json", exclude_none=True) for item in questionnaire.items],
            }
        )
        return 0
    for item in questionnaire.items:
        keys = ", ".join(("-" if key.reverse else "+") + key.dimension for key in item.keys) or "body systems"
        print(f"{item.id:>12}  [{item.section}] {item.text}  ({keys})")
    return 0


def _cmd_score(content: Content, args: argparse.Namespace) -> int:
    scored = score_answers(content, parse_answers(_read_json(args.answers), content))
    if args.json:
        _print_json(scored.to_json())
        return 0
    for key, score in scored.scores.items():
        mark = "  (unanswered)" if score.unanswered else ""
        print(f"{key:>20}  {score.value:.2f}  {score.answered}/{score.total} answered{mark}")
    print(f"body systems: {', '.join(scored.profile.systems) or 'none chosen'}")
    return 0


def _cmd_match(content: Content, args: argparse.Namespace) -> int:
    data = _read_json(args.profile)
    documents = data if isinstance(data, list) else [data]
    kind: FieldList = args.kind
    results: list[tuple[Match, ...]] = []
    for index, document in enumerate(documents):
        try:
            profile = parse_profile(document, content)
        except InputError as error:
            where = f"profile {index + 1}: " if isinstance(data, list) else ""
            raise InputError(f"{where}{error}") from None
        results.append(rank(content, profile, kind)[: args.top])
    if args.json:
        documents_out = [{"kind": kind, "matches": [m.to_json() for m in matches]} for matches in results]
        _print_json(documents_out if isinstance(data, list) else documents_out[0])
        return 0
    for number, matches in enumerate(results, start=1):
        if len(results) > 1:
            print(f"profile {number}")
        for position, match in enumerate(matches, start=1):
            supports = ", ".join(reason.key for reason in match.supports[:3]) or "-"
            conflicts = ", ".join(reason.key for reason in match.conflicts[:3]) or "-"
            print(f"{position:>3}. {match.name:<36} fit {match.fit:>3}  + {supports}  - {conflicts}")
    return 0


def _cmd_export(content: Content, args: argparse.Namespace) -> int:
    code = _resume_code(args)
    with Store.open(content, args.db) as store:
        data = Visit.for_code(content, store, code).export()
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if args.out:
        try:
            write_private(Path(args.out), text + "\n")
        except OSError as error:
            raise InputError(f"cannot write {args.out}: {error.strerror}") from None
        print(f"exported to {args.out}")
    else:
        print(text)
    return 0


def _cmd_report(content: Content, args: argparse.Namespace) -> int:
    from selfexplore.report import render_report_html, report_json

    chosen = args.format or ("json" if args.out.lower().endswith(".json") else "html")
    code = _resume_code(args)
    with Store.open(content, args.db) as store:
        report = Visit.for_code(content, store, code).report(date.today())
    if chosen == "json":
        text = json.dumps(report_json(content, report), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_report_html(content, report)
    try:
        write_private(Path(args.out), text)
    except OSError as error:
        raise InputError(f"cannot write {args.out}: {error.strerror}") from None
    print(f"report written to {args.out}")
    return 0


def _cmd_delete(content: Content, args: argparse.Namespace) -> int:
    code = _resume_code(args)
    with Store.open(content, args.db) as store:
        Visit.for_code(content, store, code).delete()
    print("deleted: every answer, reflection and plan kept under that resume code is gone")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "serve":
            from selfexplore.serving.serve import pool_size, serve

            pool = args.pool if args.pool is not None else pool_size()
            return serve(
                port=args.port, content_dir=args.content, db_url=args.db, pool=pool, base_url=args.base_url, ip=args.ip
            )
        if args.command == "hub-server":
            from selfexplore.serving.hub import hub_server
            from selfexplore.serving.identity import ADVISER_ROLE, FACILITATOR_ROLE

            role = FACILITATOR_ROLE if args.facilitator else ADVISER_ROLE if args.adviser else ""
            return hub_server(role=role, content_dir=args.content, db_url=args.db)
        if args.command == "hub-service":
            from selfexplore.serving.hub import hub_service

            return hub_service(content_dir=args.content, db_url=args.db)
        if args.command == "facilitate":
            from selfexplore.serving.serve import facilitate

            return facilitate(port=args.port, content_dir=args.content, db_url=args.db)
        if args.command == "advise":
            from selfexplore.serving.serve import advise

            return advise(args.adviser, port=args.port, content_dir=args.content, db_url=args.db)
        content = load_content(args.content)
        commands = {
            "items": _cmd_items,
            "score": _cmd_score,
            "match": _cmd_match,
            "export": _cmd_export,
            "report": _cmd_report,
            "session": _cmd_session,
            "delete": _cmd_delete,
            "adviser": _cmd_adviser,
            "instrument": _cmd_instrument,
            "review-sheet": _cmd_review_sheet,
        }
        return commands[args.command](content, args)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"selfexplore: {error}", file=sys.stderr)
        return EXIT_INVALID
    except SelfexploreError as error:
        print(f"selfexplore: error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
