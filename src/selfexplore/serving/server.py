"""The workbook's Voila: stock Voila with the guards a server open to a class needs.

`selfexplore serve` and `facilitate` run it as `python -m selfexplore.serving.server <Voila's settings>` (and
`hub-server` as its subclass, selfexplore.serving.hubvoila). What it adds to stock Voila:

- Kernels are capped (selfexplore.serving.guard.KernelLedger): every page a visitor opens starts a kernel or takes
  one from the pool, and each is 60-100 MiB. Over `max_kernels` in all, or `kernels_per_client` for one
  visitor, the visitor gets a short page that says so (503 or 429) and no kernel. A kernel that no page
  ever connected to within `unconnected_grace` seconds (an address fetched by a script, a page that failed
  to load) is shut down, and so is one whose page went away without closing (a crashed browser) and did not
  come back within `left_grace`. One visitor's cap counts only the kernels their pages hold.
- A kernel answers only the browser its page was rendered for. The page's response sets a random value in
  an HttpOnly cookie for this server's path; the kernel is bound to a digest of it, and its websocket, its
  REST model and its shutdown are refused to any request without it. Voila's preheated kernels hear their
  request at /voila/query/<kernel id>, which is answered only on this machine's loopback.
- A trusted proxy's user header reaches the kernels only from the proxy addresses configured
  (`trusted_proxies`); from anyone else it is removed before the page is rendered.
- The sign-in between reloads (a page pass, never the resume code) is a cookie the server sets, HttpOnly
  and SameSite=Strict, when the page posts it to /selfexplore/sign-in, sealed by its kernel so that no script
  on the page can read it; it is renewed at each page load.
- No log line carries a kernel id, a query string or a cookie: the access log gives the path alone, and
  every log record is scrubbed of kernel ids and of pass, code and token values.
- The soft limit on open files is raised to the hard one: each kernel holds several descriptors, and Voila
  dies with every student's session when they run out.
"""

from __future__ import annotations

import sys

# jsonschema (which Jupyter Server's event logging imports) builds an IRI grammar at import when the
# optional rfc3987-syntax is installed: 2.6 CPU-seconds, at every start of every server. Nothing here
# validates IRIs, so the import is declined and jsonschema goes without that one format check.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import asyncio  # noqa: E402
import functools  # noqa: E402
import hmac  # noqa: E402
import logging  # noqa: E402 - after the line above, which must come before any import of jsonschema
import resource  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

import zmq  # noqa: E402
from jupyter_server.auth.decorator import allow_unauthenticated  # noqa: E402
from jupyter_server.auth.identity import PasswordIdentityProvider, User  # noqa: E402
from jupyter_server.auth.logout import LogoutHandler  # noqa: E402
from jupyter_server.base.handlers import APIHandler, FileFindHandler  # noqa: E402
from jupyter_server.services.kernels.handlers import KernelHandler  # noqa: E402
from jupyter_server.utils import url_path_join  # noqa: E402
from tornado import web  # noqa: E402
from tornado.concurrent import Future  # noqa: E402
from tornado.ioloop import PeriodicCallback  # noqa: E402
from tornado.websocket import WebSocketClosedError  # noqa: E402
from traitlets import Float, Int, List, Unicode  # noqa: E402
from voila.app import Voila  # noqa: E402
from voila.request_info_handler import RequestInfoSocketHandler  # noqa: E402
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler  # noqa: E402
from voila.static_file_handler import TemplateStaticFileHandler  # noqa: E402
from voila.tornado.handler import TornadoVoilaHandler  # noqa: E402
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler  # noqa: E402

# Of the package, only these small modules: the kernels need the rest, the server does not.
from selfexplore.codes import PASS_LIFETIME, looks_like_pass, open_seal, query_proof  # noqa: E402
from selfexplore.serving.guard import (  # noqa: E402
    BROWSER_COOKIE,
    HOST_ONLY_PREFIX,
    Backoff,
    Claim,
    KernelLedger,
    Refusal,
    chosen_pass,
    client_key,
    descriptors_needed,
    is_loopback,
    kernels_within,
    new_browser_token,
    over_https,
    parse_networks,
    refusal_page,
    said_on_purpose,
    scrub,
    scrub_every_log_record,
    visitor_tag,
    within,
    without_cookies,
    zmq_sockets_needed,
)
from selfexplore.serving.request import PASS_COOKIE, QUERY_PROOF_HEADER, VISITOR_HEADER  # noqa: E402

LEDGER = "selfexplore_ledger"  # the application settings that hold the ledger and the app
APP = "selfexplore_app"
CULL_EVERY = 15.0  # seconds between looks for kernels no page connected to


class PlainErrors:
    """An error answered in a line of plain text. Jupyter Server's handlers render an HTML page for an
    error from a template Voila's server does not have: every refusal would log a traceback."""

    def write_error(self, status_code: int, **_kwargs: Any) -> None:
        handler: web.RequestHandler = self  # type: ignore[assignment]
        handler.set_header("Content-Type", "text/plain; charset=utf-8")
        handler.finish(f"{status_code} {handler._reason}\n")


def reached_over_https(handler: web.RequestHandler) -> bool:
    """Whether this request reached the server, or the trusted proxy in front of it, over HTTPS: then every
    cookie set in answer is Secure (security review 5 December 2026, finding 6)."""
    app = handler.settings.get(APP)
    proxies = app.trusted_networks if isinstance(app, GuardedVoila) else ()
    request = handler.request
    return over_https(request.protocol, request.remote_ip, request.headers, proxies)


def host_only(handler: web.RequestHandler) -> bool:
    """Whether the sign-in cookie is a __Host- cookie here: over HTTPS, with the server at the root of its
    origin (a __Host- cookie must be for Path=/). Under a path of a shared host, the plain cookie is kept,
    and two of them sign nobody in (see guard.chosen_pass)."""
    return reached_over_https(handler) and handler.settings.get("base_url", "/") == "/"


def keep_pass(handler: web.RequestHandler, value: str) -> None:
    """Keep a page pass in the browser's sign-in cookie, or forget it (`value` empty): HttpOnly, so that no
    script on a page can read it; SameSite=Strict, so that no other site's page or link sends it; for
    this server's path only, and from this host only where it can be (`host_only`); for the pass's
    lifetime from now (renewed at each page load: a sliding lifetime, as the store renews the pass)."""
    path = handler.settings.get("base_url", "/")
    if not value:
        handler.clear_cookie(PASS_COOKIE, path=path)
        if reached_over_https(handler):
            handler.clear_cookie(HOST_ONLY_PREFIX + PASS_COOKIE, path="/", secure=True)
        return
    handler.set_cookie(
        HOST_ONLY_PREFIX + PASS_COOKIE if host_only(handler) else PASS_COOKIE,
        value,
        path=path,
        max_age=int(PASS_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=reached_over_https(handler),
    )


class SignInHandler(PlainErrors, APIHandler):
    """Where the page keeps the sign-in the kernel gave it (after a student starts, resumes or signs out):
    a POST, with the page's XSRF token, of the pass sealed by its kernel and the kernel's id (or of no
    seal, to forget the sign-in). The page never holds the pass itself (selfexplore.codes.seal_pass); the
    seal is opened only for the browser the kernel was handed to, while the kernel runs and the seal is
    fresh. Whether the pass signs anyone in is for the store to say when the next page loads."""

    @web.authenticated
    def post(self) -> None:
        sealed = self.get_body_argument("sealed", "")
        if not sealed:
            keep_pass(self, "")
            self.set_status(204)
            self.finish()
            return
        kernel_id = self.get_body_argument("kernel", "")
        if not self.settings[LEDGER].may_use(kernel_id, self.settings[APP].binding(self)):
            raise web.HTTPError(403)
        try:
            kernel_key: bytes = self.kernel_manager.get_kernel(kernel_id).session.key
        except KeyError:
            raise web.HTTPError(403) from None
        value = open_seal(kernel_key, sealed) if kernel_key else None
        if value is None:
            raise web.HTTPError(400, "not a sealed page pass")
        keep_pass(self, value)
        self.set_status(204)
        self.finish()


class NotServedHandler(PlainErrors, web.RequestHandler):
    """On a server of one notebook (the student's): any other notebook's address is a 404. Stock Voila
    redirects it to its files handler, which refuses it with a 403; a 404 says plainly that this server has
    no such page (the facilitator's dashboard, the adviser's page)."""

    def get(self, *_args: Any) -> None:
        raise web.HTTPError(404)


class GuardedVoilaHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """The page: within the caps, bound to the browser, the proxy's header only from the proxy."""

    @web.authenticated  # as Voila's own page is, but before a place is reserved or a cookie set
    async def get(self, path: str | None = None) -> None:
        if path and any(ord(character) < 32 or ord(character) == 127 for character in path):
            # No page has a control character in its address; Voila would redirect to it, and Tornado refuse
            # the header with a traceback in the log (a CR LF is how a header is injected).
            raise web.HTTPError(404)
        app: GuardedVoila = self.settings[APP]
        app.strip_untrusted_header(self.request)
        self.request.headers.pop(VISITOR_HEADER, None)  # only this server says who the visitor is
        # The one pass this request may sign in with, handed to the kernel as the only pass cookie, or none.
        header = self.request.headers.get("Cookie", "")
        kept = chosen_pass(header, PASS_COOKIE, host_only(self))
        header = without_cookies(header, {PASS_COOKIE, HOST_ONLY_PREFIX + PASS_COOKIE})
        if kept and looks_like_pass(kept):
            header = "; ".join(filter(None, [header, f"{PASS_COOKIE}={kept}"]))
            keep_pass(self, kept)  # in use, so renewed
        self.request.headers["Cookie"] = header
        token = self.get_cookie(BROWSER_COOKIE) or ""
        if not token or len(token) > 100:
            token = new_browser_token()
            self.set_cookie(
                BROWSER_COOKIE,
                token,
                path=self.base_url,
                httponly=True,
                samesite="Lax",
                secure=reached_over_https(self),
            )
        bound = app.binding(self, token)
        if bound is None:  # signed in (above), and yet nobody for the kernel to be bound to
            raise web.HTTPError(403)
        ledger: KernelLedger = self.settings[LEDGER]
        app.hand_on_identity(self)
        client = app.client_of(self)
        # Who the visitor is, as this server decides it, for the kernel's count of wrong codes.
        self.request.headers[VISITOR_HEADER] = visitor_tag(client, app.visitor_secret)
        outcome = ledger.reserve(client, app.live_kernels())
        if isinstance(outcome, Refusal):
            app.log.warning("page refused: %s", outcome.reason)
            self.set_status(outcome.status)
            self.set_header("Retry-After", str(outcome.retry_after))
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(refusal_page(outcome, self.base_url))
            return
        claim = Claim(ledger, outcome, bound)
        with claim.active():
            await super().get(path)


class QuietOnceClosed:
    """A websocket whose messages to a page that has gone (closed, reloaded, signed out) are dropped without
    a word. Tornado fails such a message later, in a future nobody awaits (Jupyter Server does not): asyncio
    then logs "Task exception was never retrieved" with a traceback, at every page a student leaves while
    its kernel is still talking."""

    def write_message(self, message: bytes | str | dict[str, Any], binary: bool = False) -> Future[None]:
        try:
            sent: Future[None] = super().write_message(message, binary=binary)  # type: ignore[misc]
        except WebSocketClosedError:
            sent = Future()
            sent.set_result(None)
            return sent
        sent.add_done_callback(_retrieve_quietly)
        return sent


def _retrieve_quietly(sent: Future[None]) -> None:
    if not sent.cancelled():
        sent.exception()  # retrieved: a page that went away is not an error


class BoundKernelWebsocketHandler(QuietOnceClosed, PlainErrors, VoilaKernelWebsocketHandler):  # type: ignore[misc]
    """A kernel's websocket, opened only by the browser the kernel's page was rendered for, at most
    WEBSOCKETS_PER_KERNEL at once, its messages passed on at the kernel's pace (selfexplore.serving.guard)."""

    _place: str | None = None  # the kernel whose websocket place this connection holds

    async def pre_get(self) -> None:
        ledger: KernelLedger = self.settings[LEDGER]
        if not ledger.may_use(self.kernel_id, self.settings[APP].binding(self)):
            raise web.HTTPError(403)
        if not ledger.open_websocket(self.kernel_id):
            raise web.HTTPError(429, "too many connections to one kernel")
        self._place = self.kernel_id
        try:
            await super().pre_get()
        except TimeoutError as error:
            # A kernel that died or was shut down while its page reconnected: Jupyter Server waits for it,
            # then raises a bare error that Tornado logs as a traceback. The page is told in one line.
            raise web.HTTPError(503, "the kernel is not running") from error
        ledger.connected(self.kernel_id)

    async def on_message(self, message: str | bytes) -> None:
        """Passed on at the kernel's pace. Tornado reads the connection's next message only once this one
        is passed on, so a page sending faster waits in its own connection and nobody else's."""
        wait = self.settings[LEDGER].message_delay(self.kernel_id, time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)
        if self.connection is not None:  # not closed while it waited
            super().on_message(message)

    def on_close(self) -> None:
        self._give_back_place()
        super().on_close()

    async def get(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().get(*args, **kwargs)
        finally:
            if self.ws_connection is None:  # refused or failed before it opened: on_close will not come
                self._give_back_place()

    def _give_back_place(self) -> None:
        if self._place is not None:
            self.settings[LEDGER].close_websocket(self._place)
            self._place = None


def _refuse_other_browsers(handler: web.RequestHandler) -> None:
    """403 unless the request comes from the browser the kernel in its path was handed to."""
    kernel_id = handler.path_kwargs.get("kernel_id") or (handler.path_args[0] if handler.path_args else "")
    if not handler.settings[LEDGER].may_use(kernel_id, handler.settings[APP].binding(handler)):
        raise web.HTTPError(403)


class BoundKernelHandler(PlainErrors, KernelHandler):
    """A kernel's REST model (and its shutdown), for the browser its page was rendered for."""

    async def prepare(self, **kwargs: Any) -> None:
        await super().prepare(**kwargs)  # signs the request in first: a kernel may be bound to a hub user
        _refuse_other_browsers(self)


class BoundShutdownHandler(PlainErrors, VoilaShutdownKernelHandler):  # type: ignore[misc]
    """The page's own shutdown of its kernel when it is closed or reloaded (a beacon from the page)."""

    async def prepare(self, **kwargs: Any) -> Any:
        prepared = await super().prepare(**kwargs)
        _refuse_other_browsers(self)
        return prepared


class LoopbackRequestInfoHandler(QuietOnceClosed, PlainErrors, RequestInfoSocketHandler):  # type: ignore[misc]
    """Where a preheated kernel hears its page's request (with the page's cookies, or the hub user): that
    kernel alone, from this machine, proving itself with its connection key (selfexplore.codes.query_proof).
    Behind a hub's proxy every visitor comes from loopback, so the address alone would let anyone who holds
    a kernel's id hear its student's request."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        if not is_loopback(self.request.remote_ip):
            raise web.HTTPError(403)
        kernel_id = args[0] if args else kwargs.get("kernel_id", "")
        try:
            key: bytes = self.settings["kernel_manager"].get_kernel(kernel_id).session.key
        except KeyError:
            raise web.HTTPError(403) from None
        shown = self.request.headers.get(QUERY_PROOF_HEADER, "")
        if not key or not hmac.compare_digest(shown, query_proof(key, kernel_id)):
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)


class TokenIdentityProvider(PasswordIdentityProvider):
    """The token sign-in of the facilitator's and an adviser's server, with wrong tokens slowed per visitor
    (see guard.Backoff): while a visitor is held back, even the right token is refused, so guessing in
    parallel gains nothing. The form to set a password is not offered: the token is the only sign-in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_password_change = False
        self._backoff = Backoff()

    def _client(self, handler: web.RequestHandler) -> str:
        return client_key(handler.request.remote_ip, {}, ())

    async def get_user_token(self, handler: web.RequestHandler) -> User | None:
        if not self.get_token(handler):
            return await super().get_user_token(handler)
        client, now = self._client(handler), time.monotonic()
        if self._refused(client, now):
            return None
        return self._outcome(client, now, await super().get_user_token(handler))

    def process_login_form(self, handler: web.RequestHandler) -> User | None:
        client, now = self._client(handler), time.monotonic()
        if self._refused(client, now):
            return None
        return self._outcome(client, now, super().process_login_form(handler))

    def set_login_cookie(self, handler: web.RequestHandler, user: User) -> None:
        """The token sign-in's cookie, Secure whenever the request came over HTTPS (through the trusted proxy
        too, which Jupyter Server's own rule, the request's protocol, does not see)."""
        options: dict[str, Any] = {"httponly": True, "path": handler.base_url, **self.cookie_options}  # type: ignore[attr-defined]
        if self.secure_cookie or (self.secure_cookie is None and reached_over_https(handler)):
            options["secure"] = True
        handler.set_secure_cookie(self.get_cookie_name(handler), self.user_to_cookie(user), **options)

    def _refused(self, client: str, now: float) -> bool:
        if self._backoff.wait(client, now) > 0:
            self.log.warning("token sign-in refused: too many wrong tokens from one visitor")
            return True
        return False

    def _outcome(self, client: str, now: float, user: User | None) -> User | None:
        if user is None:
            self._backoff.failed(client, now)
        else:
            self._backoff.succeeded(client)
        return user


class TemplateFileHandler(PlainErrors, TemplateStaticFileHandler):  # type: ignore[misc]
    """A template's static files; an address that names no template's file is a 404, not a 500 with a
    traceback in the log at every request (a script could fill the log with them)."""

    def parse_url_path(self, path: str) -> str:
        try:
            parsed: str = super().parse_url_path(path)
        except (ValueError, AssertionError):
            raise web.HTTPError(404) from None
        return parsed

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        try:
            found: str = super().get_absolute_path(root, path)
        except (ValueError, AssertionError):  # an address that escapes the template's folder ("..%2f")
            raise web.HTTPError(404) from None
        return found


class ExtensionFileHandler(PlainErrors, FileFindHandler):
    """The JupyterLab extensions' files: a refusal is a line, not a traceback (Jupyter Server's error page
    needs a setting Voila's server does not have)."""


class PlainLogoutHandler(PlainErrors, LogoutHandler):
    """Signing out of a token sign-in (the facilitator's or an adviser's server): the cookie is cleared and
    the answer is a line. Jupyter Server's own page needs a template Voila's server does not have, and
    answered every visit with a 500 and a traceback in the log."""

    @allow_unauthenticated
    def get(self) -> None:
        if not self.login_available:  # a student's server: no token sign-in to leave
            raise web.HTTPError(404)
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish("Signed out. Open the address with its token again to sign in.\n")


# The handlers replaced, by the class Voila registers.
_REPLACED: dict[type, type] = {
    TornadoVoilaHandler: GuardedVoilaHandler,
    VoilaKernelWebsocketHandler: BoundKernelWebsocketHandler,
    KernelHandler: BoundKernelHandler,
    VoilaShutdownKernelHandler: BoundShutdownHandler,
    RequestInfoSocketHandler: LoopbackRequestInfoHandler,
    FileFindHandler: ExtensionFileHandler,
    LogoutHandler: PlainLogoutHandler,
    TemplateStaticFileHandler: TemplateFileHandler,
}


def log_request(handler: web.RequestHandler) -> None:
    """The access log: status, method, the path without its query string (scrubbed of kernel ids), time."""
    status = handler.get_status()
    if status < 400:
        level = logging.DEBUG
    elif status < 500:
        level = logging.WARNING
    else:
        level = logging.ERROR
    milliseconds = 1000.0 * handler.request.request_time()
    logging.getLogger("tornado.access").log(
        level, "%d %s %s %.1fms", status, handler.request.method, scrub(handler.request.path), milliseconds
    )


class GuardedVoila(Voila):  # type: ignore[misc]
    name = "selfexplore-server"

    max_kernels = Int(0, config=True, help="The most kernels handed to visitors at once (0: no cap).")
    kernels_per_client = Int(0, config=True, help="The most kernels one visitor may hold at once (0: no cap).")
    unconnected_grace = Float(
        90.0, config=True, help="Seconds a kernel handed to a visitor may wait for its page to connect to it."
    )
    left_grace = Float(
        600.0,
        config=True,
        help="Seconds a kernel whose page went away without closing is kept for it to come back.",
    )
    request_timeout = Float(
        30.0,
        config=True,
        help="Seconds a visitor has to send a request's headers, then its body, before the connection is closed.",
    )
    trusted_header = Unicode("", config=True, help="The user header a trusted proxy sets (empty: none).")
    trusted_proxies = List(Unicode(), config=True, help="Addresses and networks of the trusted proxies.")

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        self.trusted_networks = parse_networks(",".join(self.trusted_proxies))
        self.visitor_secret = secrets.token_bytes(32)  # keys visitor_tag, for this run of the server
        scrub_every_log_record()
        for handler in {*self.log.handlers, *logging.getLogger().handlers}:
            handler.addFilter(said_on_purpose)
        raise_open_file_limit()

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        self.ledger = KernelLedger(self.max_kernels, self.kernels_per_client, self.unconnected_grace, self.left_grace)
        settings[LEDGER] = self.ledger
        settings[APP] = self
        settings["log_function"] = log_request
        self._capture_handed_out_kernels()
        self._size_for_the_caps()
        return settings

    def init_handlers(self) -> list[Any]:
        handlers: list[Any] = super().init_handlers()
        ours: list[Any] = [(url_path_join(self.server_url, "/selfexplore/sign-in"), SignInHandler)]
        if self.notebook_path:
            ours += [
                (url_path_join(self.server_url, pattern), NotServedHandler)
                for pattern in (r"/voila/render/.*", r"/voila/files/.*\.ipynb", r"/(?!voila/).*\.ipynb")
            ]
        # First: Voila's own last handler takes every path under the server's.
        return [*ours, *((spec[0], _REPLACED.get(spec[1], spec[1]), *spec[2:]) for spec in handlers)]

    def listen(self) -> None:
        every = min(CULL_EVERY, self.unconnected_grace / 2)
        PeriodicCallback(self._cull_unconnected, every * 1000).start()
        # Tornado waits an hour for a request's headers and without end for its body: a visitor's half-sent
        # requests would each hold a descriptor until the server ran out (security review, finding 11).
        self.app.listen = functools.partial(
            self.app.listen, idle_connection_timeout=self.request_timeout, body_timeout=self.request_timeout
        )
        super().listen()

    def _size_for_the_caps(self) -> None:
        """ZeroMQ's socket limit raised to what the caps need (its default, 1,023, is about 250 websockets),
        and a line in the log when the open-file limit covers fewer kernels than the cap allows."""
        pools = getattr(self.kernel_manager, "kernel_pools_config", {}) or {}
        pool = sum(int(config.get("pool_size", 0)) for config in pools.values())
        context: zmq.Context[Any] = self.kernel_manager.context
        limit = int(context.get(zmq.SOCKET_LIMIT))
        context.set(
            zmq.MAX_SOCKETS, min(zmq_sockets_needed(self.max_kernels, pool), limit) if self.max_kernels else limit
        )
        files, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if self.max_kernels and files != resource.RLIM_INFINITY and files < descriptors_needed(self.max_kernels, pool):
            self.log.warning(
                "the open-file limit (%d) covers about %d kernels, fewer than the cap of %d: raise the limit "
                "(LimitNOFILE= in the service's unit, ulimit -n) or lower SELFEXPLORE_MAX_KERNELS",
                files,
                kernels_within(files, pool),
                self.max_kernels,
            )

    # --- who the visitor is -------------------------------------------------------------------------

    def client_of(self, handler: web.RequestHandler) -> str:
        """Who the visitor of a page request is, for the caps and the count of wrong codes."""
        request = handler.request
        return client_key(request.remote_ip, request.headers, self.trusted_networks, self.trusted_header)

    def binding(self, handler: web.RequestHandler, token: str | None = None) -> str | None:
        """What a kernel is bound to, as this request shows it: the browser's token (`token`, else its
        cookie). A server shared by the hub's users binds to the user too (selfexplore.serving.hubvoila)."""
        return token if token is not None else handler.get_cookie(BROWSER_COOKIE)

    def hand_on_identity(self, handler: web.RequestHandler) -> None:
        """Put in the page request what the kernel is to know of who the visitor is, as this server decides
        it (nothing here: a shared hub service names the hub's user)."""

    def strip_untrusted_header(self, request: Any) -> None:
        """The proxy's user header, from anyone but the proxy, is removed before any kernel sees it."""
        if self.trusted_header and not within(request.remote_ip, self.trusted_networks):
            request.headers.pop(self.trusted_header, None)

    # --- kernels --------------------------------------------------------------------------------------

    def live_kernels(self) -> set[str]:
        return set(self.kernel_manager.list_kernel_ids())

    def _capture_handed_out_kernels(self) -> None:
        """Learn which kernel each page request was given: the one Voila starts for it, or the one it takes
        from the pool. Both happen within the request's own task, where the page's Claim is active."""
        manager = self.kernel_manager
        start = manager.start_kernel

        async def start_kernel(*args: Any, **kwargs: Any) -> str:
            kernel_id: str = await start(*args, **kwargs)
            if (kwargs.get("env") or {}).get("VOILA_PREHEAT") != "True":  # a refill for the pool is nobody's
                Claim.record(kernel_id)
            return kernel_id

        manager.start_kernel = start_kernel
        rendered: Callable[..., Awaitable[Any]] | None = getattr(manager, "get_rendered_notebook", None)
        if rendered is not None:

            async def get_rendered_notebook(*args: Any, **kwargs: Any) -> Any:
                result = await rendered(*args, **kwargs)
                Claim.record(result[2])  # (render task, rendered cells, kernel id)
                return result

            manager.get_rendered_notebook = get_rendered_notebook

    async def _cull_unconnected(self) -> None:
        for kernel_id in self.ledger.unconnected(self.live_kernels(), time.monotonic()):
            self.log.info("shutting down a kernel no page holds")
            try:
                await self.kernel_manager.shutdown_kernel(kernel_id)
            except Exception as error:  # a kernel that died meanwhile: nothing left to shut down
                self.log.warning("could not shut down an unconnected kernel: %s", type(error).__name__)
            self.ledger.forget(kernel_id)


def raise_open_file_limit() -> None:
    """Raise the soft limit on open files to the hard limit (each kernel holds several)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            return


def main() -> None:
    scrub_every_log_record()
    GuardedVoila.launch_instance()


if __name__ == "__main__":
    main()
