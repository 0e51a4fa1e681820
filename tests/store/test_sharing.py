"""Sharing with an adviser, against real SQLite and PostgreSQL: a share reaches only its adviser, shows only
what it covers, follows the student's changes, and ends the moment it is withdrawn or expires."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from selfexplore import codes
from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.records import NOT_SHARED, WRONG_ADVISER_CODE, IdentityError, Student
from selfexplore.sharing import shared_html
from selfexplore.store import Store, facade
from selfexplore.store.schema import adviser_shares

LEE = ("lee", "Dr Lee (Society A)")
KIM = ("kim", "Dr Kim (Society B)")
TRIALS = 40  # two advisers at once, one code each time


@pytest.fixture
def student(store: Store) -> Student:
    made = store.create_student().student
    attempt = store.latest_attempt(made)
    store.save_answer(attempt, "i01", 5)
    store.save_reflection(attempt, "balance_week", "<b>marked</b> for my adviser", share_adviser=True)
    store.save_reflection(attempt, "balance_protect", "ticked for the report only", in_report=True)
    store.save_reflection(attempt, "balance_energy", "private words, never shared")
    store.save_plan_step(attempt, "society-advisor_meeting", "accepted", "ask about research years")
    return made


def _texts(store: Store, adviser: str, share_id: int) -> tuple[str, ...]:
    return tuple(text for _, text in store.shared_material(adviser, share_id)[1].reflections)


class TestSharing:
    def test_a_share_reaches_its_adviser_only(self, store: Store, student: Student) -> None:
        share, code = store.share_with_adviser(student, ["reflections"], 30, adviser=LEE, label="ann")
        assert code is None
        ((listed, _changed),) = store.advisees("lee")
        assert listed.id == share.id and listed.student_label == "ann"
        assert store.advisees("kim") == []
        with pytest.raises(IdentityError, match=NOT_SHARED):
            store.shared_material("kim", share.id)
        with pytest.raises(IdentityError):
            store.save_adviser_note("kim", share.id, "not mine to write")

    def test_only_what_is_shared_is_read(self, content: Content, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["reflections"], 7, adviser=LEE)
        _, material = store.shared_material("lee", share.id)
        assert material.reflections == (("balance_week", "<b>marked</b> for my adviser"),)
        assert material.answers == {} and material.plan == {}
        html = shared_html(content, share.items, material, datetime.now(UTC).date())
        assert "&lt;b&gt;marked&lt;/b&gt;" in html and "<b>marked" not in html
        assert "private words" not in html and "ticked for the report" not in html
        assert "Specialties that fit" not in html and "My plan" not in html

    def test_the_whole_report_holds_the_reflections_ticked_for_it(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["report"], 7, adviser=LEE)
        assert _texts(store, "lee", share.id) == ("ticked for the report only",)
        _, material = store.shared_material("lee", share.id)
        assert material.answers == {"i01": 5}
        assert material.plan["society-advisor_meeting"][1] == "ask about research years"

    def test_a_reflection_unmarked_later_is_gone_from_the_advisers_view(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["reflections"], 7, adviser=LEE)
        attempt = store.latest_attempt(student)
        store.save_reflection(attempt, "balance_week", "<b>marked</b> for my adviser", share_adviser=False)
        assert _texts(store, "lee", share.id) == ()

    def test_withdrawing_takes_effect_at_once(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["plan", "matches"], 30, adviser=LEE)
        store.save_adviser_note("lee", share.id, "met on Tuesday")
        assert store.withdraw_share(student, share.id)
        assert store.advisees("lee") == []
        with pytest.raises(IdentityError, match=NOT_SHARED):
            store.shared_material("lee", share.id)
        with pytest.raises(IdentityError):
            store.adviser_note("lee", share.id)
        assert not store.withdraw_share(student, share.id)  # already gone (another tab)

    def test_a_student_withdraws_only_their_own_shares(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["plan"], 30, adviser=LEE)
        other = store.create_student().student
        assert not store.withdraw_share(other, share.id)
        assert len(store.advisees("lee")) == 1

    def test_an_expired_share_shows_nothing(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["plan"], 7, adviser=LEE)
        with store.engine.begin() as connection:
            connection.execute(update(adviser_shares).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert store.advisees("lee") == []
        with pytest.raises(IdentityError):
            store.shared_material("lee", share.id)
        assert store.adviser_shares_of(student)[0].expired(datetime.now(UTC))

    def test_sharing_again_with_the_same_adviser_replaces_the_share(self, store: Store, student: Student) -> None:
        first, _ = store.share_with_adviser(student, ["plan"], 7, adviser=LEE)
        again, _ = store.share_with_adviser(student, ["matches", "reflections"], 120, adviser=LEE)
        assert again.id == first.id and again.items == ("reflections", "matches")
        assert len(store.adviser_shares_of(student)) == 1

    def test_bad_choices_change_nothing(self, store: Store, student: Student) -> None:
        for items, days in ((["answers"], 7), ([], 7), (["plan"], 365), (["plan"], True), (["plan"], "7")):
            with pytest.raises(InputError):
                store.share_with_adviser(student, items, days, adviser=LEE)  # type: ignore[arg-type]
        assert store.adviser_shares_of(student) == []

    def test_notes_are_each_advisers_own(self, store: Store, student: Student) -> None:
        with_lee, _ = store.share_with_adviser(student, ["plan"], 30, adviser=LEE)
        with_kim, _ = store.share_with_adviser(student, ["plan"], 30, adviser=KIM)
        store.save_adviser_note("lee", with_lee.id, "Lee's <i>notes</i>")
        assert store.adviser_note("kim", with_kim.id) == ""
        with pytest.raises(IdentityError):
            store.adviser_note("kim", with_lee.id)
        assert store.adviser_note("lee", with_lee.id) == "Lee's <i>notes</i>"
        # Notes are about the student, not the share: a withdrawn and renewed share finds them again.
        store.withdraw_share(student, with_lee.id)
        renewed, _ = store.share_with_adviser(student, ["plan"], 30, adviser=LEE)
        assert store.adviser_note("lee", renewed.id) == "Lee's <i>notes</i>"

    def test_what_changed_since_the_adviser_looked(self, store: Store, student: Student) -> None:
        share, _ = store.share_with_adviser(student, ["plan", "reflections"], 30, adviser=LEE)
        ((before, _),) = store.advisees("lee")
        assert before.seen_at is None
        store.shared_material("lee", share.id)
        ((seen, changed),) = store.advisees("lee")
        assert seen.seen_at is not None
        assert all(moment is None or moment <= seen.seen_at for moment in changed.values())
        store.save_reflection(store.latest_attempt(student), "balance_week", "changed words", share_adviser=True)
        ((_, changed),) = store.advisees("lee")
        assert changed["reflections"] is not None and changed["reflections"] > seen.seen_at

    def test_deleting_the_student_deletes_their_shares_and_the_notes_on_them(
        self, store: Store, student: Student
    ) -> None:
        share, _ = store.share_with_adviser(student, ["plan"], 30, adviser=LEE)
        store.save_adviser_note("lee", share.id, "about this student")
        store.delete_student(student)
        assert store.advisees("lee") == []
        with store.engine.connect() as connection:
            assert connection.execute(select(adviser_shares)).all() == []


class TestAdviserCodes:
    def test_two_advisers_entering_one_code_at_once_are_not_both_given_it(
        self, db_url: str, content: Content, store: Store, student: Student, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Security review of 5 December 2026, finding 7: on PostgreSQL both were told "Added" in 173 of 200
        trials, and the share ended with whichever committed last."""
        monkeypatch.setattr(facade, "FREE_FAILURES", 10_000)  # the loser's refusals are not slowed here
        other = Store.open(content, db_url)
        try:
            both = []
            for _ in range(TRIALS):
                share, code = store.share_with_adviser(student, ["reflections"], 7)
                assert code is not None
                start, told = threading.Barrier(2), dict[str, str | None]()

                def redeem(
                    at: Store,
                    adviser: tuple[str, str],
                    code: str = code,
                    start: threading.Barrier = start,
                    told: dict[str, str | None] = told,
                ) -> None:
                    start.wait()
                    try:
                        told[adviser[0]] = at.redeem_adviser_code(*adviser, code).adviser_name
                    except IdentityError:
                        told[adviser[0]] = None

                threads = [threading.Thread(target=redeem, args=pair) for pair in ((store, LEE), (other, KIM))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                winners = [name for name, got in told.items() if got is not None]
                both.append(len(winners) == 2)
                assert len(winners) == 1 and told[winners[0]] == winners[0]
                # The share is the winner's, and only the winner sees it.
                assert [s.id for s, _ in store.advisees(winners[0])].count(share.id) == 1
                loser = "kim" if winners[0] == "lee" else "lee"
                assert share.id not in [s.id for s, _ in store.advisees(loser)]
            assert not any(both)
        finally:
            other.close()

    def test_a_code_is_redeemed_by_one_adviser_and_refused_to_another(self, store: Store, student: Student) -> None:
        share, code = store.share_with_adviser(student, ["reflections"], 7)
        assert code is not None and share.adviser_name is None
        assert store.advisees("lee") == []  # nobody sees a code's share until it is redeemed
        redeemed = store.redeem_adviser_code("lee", "Dr Lee", code.lower())
        assert redeemed.id == share.id and redeemed.adviser_name == "lee"
        assert store.redeem_adviser_code("lee", "Dr Lee", code).id == share.id  # again, by the same adviser
        with pytest.raises(IdentityError, match=WRONG_ADVISER_CODE):
            store.redeem_adviser_code("kim", "Dr Kim", code)
        assert store.advisees("kim") == []
        assert _texts(store, "lee", share.id) == ("<b>marked</b> for my adviser",)

    def test_only_a_hash_of_the_code_is_kept(self, store: Store, student: Student) -> None:
        _, code = store.share_with_adviser(student, ["plan"], 7)
        assert code is not None
        with store.engine.connect() as connection:
            (kept,) = connection.execute(select(adviser_shares.c.code_hash)).one()
        assert kept == codes.adviser_code_hash(code) and code not in kept

    def test_a_withdrawn_expired_or_mistyped_code_opens_nothing(self, store: Store, student: Student) -> None:
        share, code = store.share_with_adviser(student, ["plan"], 7)
        assert code is not None
        with pytest.raises(IdentityError, match="typing mistake"):
            store.redeem_adviser_code("lee", "Dr Lee", code[:-1] + ("0" if code[-1] != "0" else "1"))
        with pytest.raises(IdentityError, match="letters and digits"):
            store.redeem_adviser_code("lee", "Dr Lee", "short")
        store.withdraw_share(student, share.id)
        with pytest.raises(IdentityError, match=WRONG_ADVISER_CODE):
            store.redeem_adviser_code("lee", "Dr Lee", code)
        _, later = store.share_with_adviser(student, ["plan"], 7)
        assert later is not None
        with store.engine.begin() as connection:
            connection.execute(update(adviser_shares).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        with pytest.raises(IdentityError, match=WRONG_ADVISER_CODE):
            store.redeem_adviser_code("lee", "Dr Lee", later)

    def test_the_hosting_side_lists_and_revokes(self, store: Store, student: Student) -> None:
        store.share_with_adviser(student, ["plan"], 7, adviser=LEE)
        other = store.create_student().student
        store.share_with_adviser(other, ["matches"], 7, adviser=LEE)
        store.share_with_adviser(other, ["matches"], 7, adviser=KIM)
        summary = {name: students for name, _display, students, _newest in store.adviser_summary()}
        assert summary == {"kim": 1, "lee": 2}
        assert store.revoke_adviser("lee") == 2
        assert store.advisees("lee") == [] and len(store.advisees("kim")) == 1


def test_an_adviser_code_carries_at_least_128_bits() -> None:
    code = codes.new_adviser_code()
    assert codes.ADVISER_SYMBOLS * 5 >= 128
    assert len(code.replace("-", "")) == codes.ADVISER_SYMBOLS + 1
    assert codes.adviser_code_hash(code) == codes.adviser_code_hash(code.lower().replace("-", " "))
