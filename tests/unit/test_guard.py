"""The server's guards as plain functions (security review findings 1, 2, 13 and 14): the caps on kernels,
the binding of a kernel to its browser, who a visitor is, and what the logs may say."""

from __future__ import annotations

import io
import itertools
import logging
from pathlib import Path

import pytest

from selfexplore.serving.guard import (
    WEBSOCKETS_PER_KERNEL,
    Backoff,
    Claim,
    KernelLedger,
    Pace,
    Refusal,
    Reservation,
    chosen_pass,
    client_key,
    cookie_values,
    default_max_kernels,
    descriptors_needed,
    is_loopback,
    kernels_within,
    memory_mib,
    over_https,
    parse_networks,
    refusal_page,
    said_on_purpose,
    scrub,
    scrub_every_log_record,
    visitor_tag,
    without_cookies,
    zmq_sockets_needed,
)
from selfexplore.serving.serve import HostingError, guards, is_loopback_host
from selfexplore.settings import SettingError

KERNEL = "96b159f5-914d-4306-b925-8e9a7afaa6b8"
# The kernels of these tests, all live unless a test says otherwise.
LIVE = {"k1", "k2", "quiet", "used", KERNEL}


def reserved(ledger: KernelLedger, client: str) -> Reservation:
    outcome = ledger.reserve(client, LIVE)
    assert isinstance(outcome, Reservation), outcome
    return outcome


class TestCaps:
    def test_kernels_over_the_cap_in_all_are_refused_with_a_503(self) -> None:
        ledger = KernelLedger(max_kernels=2, per_client=0, grace=90)
        ledger.hand_out(reserved(ledger, "address:10.0.0.1"), "k1", "b1", 0.0)
        ledger.hand_out(reserved(ledger, "address:10.0.0.2"), "k2", "b2", 0.0)
        refused = ledger.reserve("address:10.0.0.3", {"k1", "k2"})
        assert isinstance(refused, Refusal) and refused.status == 503
        assert "full" in refused.title

    def test_one_visitor_over_their_cap_is_refused_with_a_429_and_others_are_not(self) -> None:
        ledger = KernelLedger(max_kernels=10, per_client=2, grace=90)
        for kernel in ("k1", "k2"):
            ledger.hand_out(reserved(ledger, "address:10.0.0.1"), kernel, "b1", 0.0)
        refused = ledger.reserve("address:10.0.0.1", {"k1", "k2"}, now=1.0)
        assert isinstance(refused, Refusal) and refused.status == 429
        assert isinstance(ledger.reserve("address:10.0.0.2", {"k1", "k2"}, now=1.0), Reservation)

    def test_kernels_a_crashed_browser_left_do_not_lock_the_student_out(self) -> None:
        """Hosting review of 5 December 2026, F4: a browser that went away with ten tabs left ten kernels,
        and the student signing in again was told to close tabs they no longer had, for 30 minutes."""
        ledger = KernelLedger(max_kernels=12, per_client=2, grace=90, left_grace=600)
        for kernel in ("k1", "k2"):
            ledger.hand_out(reserved(ledger, "user:nia"), kernel, "b1", 0.0)
            assert ledger.open_websocket(kernel)
            ledger.connected(kernel)
        assert isinstance(ledger.reserve("user:nia", {"k1", "k2"}, now=5.0), Refusal)  # both pages open
        for kernel in ("k1", "k2"):
            ledger.close_websocket(kernel, now=10.0)  # the browser is gone, without a word
        assert isinstance(ledger.reserve("user:nia", {"k1", "k2"}, now=11.0), Reservation)
        assert ledger.held() == 3  # still in memory: counted towards the server's total
        assert ledger.unconnected({"k1", "k2"}, 609.0) == []  # a page may still come back
        assert ledger.open_websocket("k2")  # ... and k2's does (a phone woken up)
        assert ledger.unconnected({"k1", "k2"}, 610.0) == ["k1"]

    def test_a_page_still_loading_counts_until_the_grace(self) -> None:
        ledger = KernelLedger(max_kernels=0, per_client=1, grace=90)
        ledger.hand_out(reserved(ledger, "a"), "k1", "b1", 0.0)
        assert isinstance(ledger.reserve("a", {"k1"}, now=89.0), Refusal)
        assert isinstance(ledger.reserve("a", {"k1"}, now=90.0), Reservation)  # and shut down by now

    def test_pages_asked_for_at_the_same_moment_cannot_pass_the_cap_together(self) -> None:
        ledger = KernelLedger(max_kernels=0, per_client=2, grace=90)
        reserved(ledger, "address:10.0.0.1")
        reserved(ledger, "address:10.0.0.1")  # neither has its kernel yet
        assert isinstance(ledger.reserve("address:10.0.0.1", set()), Refusal)

    def test_a_kernel_that_has_gone_frees_its_place(self) -> None:
        ledger = KernelLedger(max_kernels=1, per_client=0, grace=90)
        ledger.hand_out(reserved(ledger, "a"), "k1", "b1", 0.0)
        assert isinstance(ledger.reserve("b", {"k1"}), Refusal)
        assert isinstance(ledger.reserve("b", set()), Reservation)  # k1 was shut down

    def test_a_page_that_ends_without_a_kernel_frees_its_place(self) -> None:
        ledger = KernelLedger(max_kernels=1, per_client=0, grace=90)
        claim = Claim(ledger, reserved(ledger, "a"), "b1")
        with claim.active():
            assert isinstance(ledger.reserve("b", set()), Refusal)
        assert isinstance(ledger.reserve("b", set()), Reservation)

    def test_the_default_cap_is_sized_from_memory(self) -> None:
        assert default_max_kernels(24 * 1024) == 182  # 0.75 of (24 GiB - 256 MiB), 100 MiB a kernel
        assert default_max_kernels(512) == 2  # a small pod still serves a page and its reload

    def test_a_containers_memory_limit_is_what_the_server_may_use(self, tmp_path: Path) -> None:
        limit = tmp_path / "memory.max"
        limit.write_text(f"{512 * 2**20}\n")
        assert memory_mib(limit) == 512
        limit.write_text("max\n")
        assert memory_mib(limit) > 512  # no limit: the machine's memory

    def test_the_refusal_page_says_what_to_do_in_the_workbooks_style(self) -> None:
        ledger = KernelLedger(max_kernels=1, per_client=0, grace=90)
        ledger.hand_out(reserved(ledger, "a"), "k1", "b1", 0.0)
        refused = ledger.reserve("b", {"k1"})
        assert isinstance(refused, Refusal)
        page = refusal_page(refused, "/work<b>/")
        assert "<html lang='en'>" in page and "<main" in page and "<h1>The workbook is full just now</h1>" in page
        assert "reload this page" in page and "Nothing you have saved is lost" in page
        assert "/work&lt;b&gt;/voila/templates/selfexplore/static/selfexplore.css" in page


class TestBinding:
    def test_a_kernel_answers_only_the_browser_it_was_handed_to(self) -> None:
        ledger = KernelLedger(0, 0, 90)
        claim = Claim(ledger, reserved(ledger, "a"), "token-of-a")
        with claim.active():
            Claim.record(KERNEL)
        assert ledger.may_use(KERNEL, "token-of-a")
        assert not ledger.may_use(KERNEL, "token-of-b")
        assert not ledger.may_use(KERNEL, None)
        assert not ledger.may_use(KERNEL, "")
        assert not ledger.may_use("another-kernel", "token-of-a")

    def test_only_the_first_kernel_recorded_is_the_pages(self) -> None:
        ledger = KernelLedger(0, 0, 90)
        claim = Claim(ledger, reserved(ledger, "a"), "t")
        with claim.active():
            Claim.record("k1")
            Claim.record("k2")
        assert ledger.may_use("k1", "t") and not ledger.may_use("k2", "t")

    def test_a_kernel_started_outside_a_page_request_is_nobodys(self) -> None:
        ledger = KernelLedger(0, 0, 90)
        Claim.record("pool-kernel")
        assert not ledger.may_use("pool-kernel", "t")

    def test_kernels_no_page_connected_to_are_listed_after_the_grace(self) -> None:
        ledger = KernelLedger(0, 0, grace=90)
        ledger.hand_out(reserved(ledger, "a"), "quiet", "t", 0.0)
        ledger.hand_out(reserved(ledger, "a"), "used", "t", 0.0)
        ledger.connected("used")
        assert ledger.unconnected({"quiet", "used"}, 89.0) == []
        assert ledger.unconnected({"quiet", "used"}, 90.0) == ["quiet"]
        assert ledger.unconnected({"used"}, 200.0) == []  # gone already


class TestFlood:
    """Security review of 5 December 2026, findings 1 and 10: one page's websockets and messages are bounded."""

    def test_a_kernel_takes_a_few_websockets_and_gets_each_place_back(self) -> None:
        ledger = KernelLedger(0, 0, 90)
        ledger.hand_out(reserved(ledger, "a"), KERNEL, "t", 0.0)
        assert [ledger.open_websocket(KERNEL) for _ in range(300)].count(True) == WEBSOCKETS_PER_KERNEL
        ledger.close_websocket(KERNEL)
        assert ledger.open_websocket(KERNEL) and not ledger.open_websocket(KERNEL)
        for _ in range(10):  # more closes than opens (a connection refused twice) never frees an extra place
            ledger.close_websocket(KERNEL)
        assert ledger.websockets(KERNEL) == 0
        assert not ledger.open_websocket("nobodys-kernel")

    def test_a_burst_passes_at_once_and_a_flood_at_the_pace(self) -> None:
        pace = Pace(rate=20.0, burst=100)
        waits = [pace.delay(10.0) for _ in range(10_000)]  # 10,000 messages in the same instant
        assert waits[:100] == [0.0] * 100
        assert waits[100] == pytest.approx(0.0, abs=0.051) and waits[-1] == pytest.approx((10_000 - 100) / 20, abs=0.1)
        assert all(later >= earlier for earlier, later in itertools.pairwise(waits))

    def test_a_student_at_a_students_pace_never_waits(self) -> None:
        pace = Pace()
        # The page's first burst, then a keystroke every tenth of a second for ten minutes (a reflection
        # typed without a pause, each keystroke a message), then ten seconds at one and a half times that.
        assert all(pace.delay(0.0) == 0.0 for _ in range(60))
        assert all(pace.delay(1.0 + 0.1 * i) == 0.0 for i in range(6_000))
        assert all(pace.delay(601.0 + i / 15) < 0.1 for i in range(150))

    def test_the_servers_limits_are_sized_from_the_caps(self) -> None:
        assert zmq_sockets_needed(2, 1) == 1023  # ZeroMQ's default is enough for a small server
        assert zmq_sockets_needed(182, 4) >= 186 * WEBSOCKETS_PER_KERNEL * 4
        needed = descriptors_needed(182, 4)
        assert kernels_within(needed, 4) >= 182 > kernels_within(needed - 200, 4)
        assert kernels_within(100, 4) == 0


class TestSignInCookie:
    """Security review of 5 December 2026, finding 2: a sibling subdomain's page set the pass cookie for the
    whole domain, and the server signed the victim into the attacker's workbook."""

    OURS, TOSSED = "p" * 32, "t" * 32

    def test_two_pass_cookies_sign_nobody_in(self) -> None:
        header = f"_xsrf=x; selfexplore_pass={self.OURS}; selfexplore_pass={self.TOSSED}"
        assert cookie_values(header, "selfexplore_pass") == [self.OURS, self.TOSSED]
        assert chosen_pass(header, "selfexplore_pass", host_only=False) is None
        assert chosen_pass(f"selfexplore_pass={self.OURS}", "selfexplore_pass", host_only=False) == self.OURS

    def test_over_https_at_the_root_only_the_host_only_cookie_counts(self) -> None:
        tossed = f"selfexplore_pass={self.TOSSED}"
        assert chosen_pass(tossed, "selfexplore_pass", host_only=True) is None
        ours = f"{tossed}; __Host-selfexplore_pass={self.OURS}"
        assert chosen_pass(ours, "selfexplore_pass", host_only=True) == self.OURS

    def test_the_kernel_is_handed_the_header_without_any_pass(self) -> None:
        header = f"_xsrf=x; selfexplore_pass={self.TOSSED}; __Host-selfexplore_pass={self.OURS}; selfexplore_browser=b"
        assert (
            without_cookies(header, {"selfexplore_pass", "__Host-selfexplore_pass"}) == "_xsrf=x; selfexplore_browser=b"
        )
        assert without_cookies("", {"selfexplore_pass"}) == ""


class TestVisitors:
    PROXY = parse_networks("10.0.0.5, 192.168.0.0/16")

    def test_a_user_header_from_anyone_but_the_proxy_is_not_believed(self) -> None:
        headers = {"X-Remote-User": "alice", "X-Forwarded-For": "1.2.3.4"}
        assert client_key("127.0.0.1", headers, self.PROXY, "X-Remote-User") == "address:127.0.0.1"
        assert client_key("10.0.0.5", headers, self.PROXY, "X-Remote-User") == "user:alice"

    def test_behind_the_proxy_the_address_it_added_is_the_visitor(self) -> None:
        headers = {"X-Forwarded-For": "6.6.6.6, 172.16.0.9"}  # the first was sent by the visitor
        assert client_key("192.168.3.4", headers, self.PROXY) == "address:172.16.0.9"
        assert client_key("::ffff:10.0.0.5", {}, self.PROXY) == "address:10.0.0.5"

    def test_an_ipv6_visitor_is_their_whole_64_block(self) -> None:
        """Security review of 5 December 2026, finding 8: one /64 is 2^64 visitors for the caps."""
        one = client_key("2001:db8:1:2::1", {}, self.PROXY)
        assert one == "address:2001:db8:1:2::/64"
        assert client_key("2001:db8:1:2:ffff:ffff:ffff:ffff", {}, self.PROXY) == one
        assert client_key("2001:db8:1:3::1", {}, self.PROXY) != one
        assert client_key("192.168.3.4", {"X-Forwarded-For": "2001:db8:1:2::9"}, self.PROXY) == one

    def test_the_kernel_is_told_a_keyed_hash_of_the_visitor_and_nothing_else(self) -> None:
        secret = b"this run's secret"
        tag = visitor_tag("address:203.0.113.7", secret)
        assert tag == visitor_tag("address:203.0.113.7", secret) and "203" not in tag and len(tag) == 32
        assert tag != visitor_tag("address:203.0.113.8", secret)
        assert tag != visitor_tag("address:203.0.113.7", b"another run's secret")

    @pytest.mark.parametrize(
        ("protocol", "remote", "forwarded", "secure"),
        [
            ("https", "127.0.0.1", "", True),  # TLS to this server itself
            ("http", "10.0.0.5", "https", True),  # the trusted proxy took the browser's HTTPS
            ("http", "10.0.0.5", "http, https", True),  # the proxy's own value is the last
            ("http", "10.0.0.5", "https, http", False),  # a visitor's "https" before the proxy's "http"
            ("http", "10.0.0.5", "", False),
            ("http", "6.6.6.6", "https", False),  # from anyone but the proxy, the header is not believed
        ],
    )
    def test_a_request_counts_as_https_from_the_server_or_the_trusted_proxy_only(
        self, protocol: str, remote: str, forwarded: str, secure: bool
    ) -> None:
        headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
        assert over_https(protocol, remote, headers, self.PROXY) is secure

    def test_an_address_or_network_that_is_neither_is_named(self) -> None:
        with pytest.raises(ValueError, match=r"'proxy\.example' is not an address"):
            parse_networks("10.0.0.1, proxy.example")

    def test_loopback(self) -> None:
        assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
        assert not is_loopback("10.0.0.1") and not is_loopback(None) and not is_loopback("nonsense")
        assert is_loopback_host("localhost") and is_loopback_host("[::1]")
        assert not is_loopback_host("0.0.0.0")


class TestLogs:
    def test_kernel_ids_and_secret_values_are_scrubbed(self) -> None:
        line = f"404 GET /voila/render/x?pass=AAAA&code=7KQD&token=t0k (127.0.0.1) Kernel started: {KERNEL}"
        cleaned = scrub(line)
        assert KERNEL not in cleaned and "AAAA" not in cleaned and "7KQD" not in cleaned and "t0k" not in cleaned
        assert "pass=[hidden]" in cleaned and "[kernel]" in cleaned

    def test_every_record_is_scrubbed_whatever_logs_it(self) -> None:
        scrub_every_log_record()
        scrub_every_log_record()  # once is enough: a second call changes nothing
        sink = io.StringIO()
        handler = logging.StreamHandler(sink)
        logger = logging.getLogger("selfexplore-test-scrub")
        logger.addHandler(handler)
        try:
            logger.error("Uncaught exception %s\n%r", "GET /?pass=SECRET", {"uri": f"/api/kernels/{KERNEL}"})
        finally:
            logger.removeHandler(handler)
        written = sink.getvalue()
        assert "SECRET" not in written and KERNEL not in written and "Uncaught exception" in written


class TestSettings:
    def test_a_trusted_header_needs_the_proxys_addresses(self) -> None:
        with pytest.raises(HostingError, match="SELFEXPLORE_TRUSTED_PROXIES is not"):
            guards({"SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User"})
        named = guards({"SELFEXPLORE_TRUSTED_HEADER": "X-Remote-User", "SELFEXPLORE_TRUSTED_PROXIES": "10.0.0.5"})
        assert named.config()["trusted_proxies"] == ["10.0.0.5/32"]

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("SELFEXPLORE_MAX_KERNELS", "many"),
            ("SELFEXPLORE_KERNELS_PER_CLIENT", "-1"),
            ("SELFEXPLORE_UNCONNECTED_GRACE", "1"),
            ("SELFEXPLORE_REQUEST_TIMEOUT", "0"),
        ],
    )
    def test_a_value_that_cannot_be_used_is_one_line(self, name: str, value: str) -> None:
        with pytest.raises(SettingError, match=f"^{name} must be .*, got '{value}'$"):
            guards({name: value})

    def test_the_defaults_cap_both(self) -> None:
        defaults = guards({})
        assert defaults.capped and defaults.per_client == 10 and defaults.grace == 90
        assert defaults.request_timeout == 30 and defaults.config()["request_timeout"] == 30.0
        assert not guards({"SELFEXPLORE_MAX_KERNELS": "0"}).capped


class TestBackoff:
    def test_after_the_free_failures_a_visitor_is_refused_for_longer_each_time(self) -> None:
        backoff = Backoff(free=2, window=600, longest=60)
        for at in (0.0, 1.0):
            backoff.failed("a", at)
        assert backoff.wait("a", 1.0) == 0.0  # two wrong tries are free
        backoff.failed("a", 2.0)
        assert backoff.wait("a", 2.0) == 2.0 and backoff.wait("a", 4.0) == 0.0
        backoff.failed("a", 4.0)
        assert backoff.wait("a", 4.0) == 4.0
        assert backoff.wait("b", 4.0) == 0.0  # nobody else waits

    def test_a_success_or_the_window_passing_forgets_the_failures(self) -> None:
        backoff = Backoff(free=1, window=10, longest=60)
        for at in (0.0, 1.0, 2.0):
            backoff.failed("a", at)
        assert backoff.wait("a", 2.0) > 0
        assert backoff.wait("a", 13.0) == 0.0  # all three are older than the window
        backoff.failed("a", 20.0)
        backoff.failed("a", 21.0)
        backoff.succeeded("a")
        assert backoff.wait("a", 21.0) == 0.0


class TestQuietLog:
    def test_the_notebooks_trust_is_not_warned_about_at_every_page(self) -> None:
        def record(message: str, *args: object) -> logging.LogRecord:
            return logging.LogRecord("Voila", logging.WARNING, __file__, 1, message, args, None)

        assert not said_on_purpose(record("Notebook %s is not trusted", "workbook.ipynb"))
        assert said_on_purpose(record("Notebook %s could not be read", "workbook.ipynb"))
        assert said_on_purpose(record("shutting down a kernel no page holds"))
