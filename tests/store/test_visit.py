"""A student's visit over a real store (SQLite and PostgreSQL): who they are, and every read and write."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from selfexplore import codes
from selfexplore.content import Content
from selfexplore.records import CHANGED_ELSEWHERE, ChangedElsewhere, IdentityError, StoreError
from selfexplore.services.visit import Visit
from selfexplore.serving.identity import arrival
from selfexplore.serving.request import PASS_COOKIE
from selfexplore.store import Store
from tests.helpers import answers_leaning


def signed_in(content: Content, store: Store) -> Visit:
    visit = Visit(content, store)
    visit.start_new()
    return visit


def cookie(visit: Visit) -> dict[str, str]:
    """The environment of a page request from the browser that holds this visit's cookie."""
    assert visit.page_pass is not None
    return {"HTTP_COOKIE": f"_xsrf=x; {PASS_COOKIE}={visit.page_pass}"}


class _Counting:
    """Counts the calls of one store method."""

    def __init__(self, store: Store, name: str) -> None:
        self.calls = 0
        original = getattr(store, name)

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return original(*args, **kwargs)

        setattr(store, name, counted)


class TestWhoTheStudentIs:
    def test_nobody_is_signed_in_without_a_cookie_or_a_hosted_sign_in(self, content: Content, store: Store) -> None:
        visit = Visit.arriving(content, store, arrival({}))
        assert not visit.known and visit.problem is None

    def test_the_browsers_cookie_signs_the_same_student_in_again(self, content: Content, store: Store) -> None:
        first = signed_in(content, store)
        again = Visit.arriving(content, store, arrival(cookie(first)))
        assert again.known and again.student == first.student and again.page_pass == first.page_pass

    def test_an_address_signs_nobody_in(self, content: Content, store: Store) -> None:
        first = signed_in(content, store)
        forwarded = Visit.arriving(content, store, arrival({"QUERY_STRING": f"pass={first.page_pass}"}))
        assert not forwarded.known

    def test_a_pass_that_was_signed_out_or_forged_says_so(self, content: Content, store: Store) -> None:
        first = signed_in(content, store)
        environ = cookie(first)
        first.sign_out()
        for request in (environ, {"HTTP_COOKIE": f"{PASS_COOKIE}=forged"}):
            visit = Visit.arriving(content, store, arrival(request))
            assert not visit.known and visit.problem is not None and "expired" in visit.problem

    def test_a_hub_user_is_signed_in_and_cannot_be_signed_out_here(self, content: Content, store: Store) -> None:
        visit = Visit.arriving(content, store, arrival({"JUPYTERHUB_USER": "student-7"}))
        assert visit.known and visit.hosted and visit.page_pass is None
        visit.sign_out()
        assert visit.known

    def test_wrong_codes_are_counted_for_the_visitor_the_server_names(
        self, content: Content, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        told: list[str | None] = []
        monkeypatch.setattr(store, "_fail_slowly", told.append)
        visit = Visit.arriving(content, store, arrival({"HTTP_X_SELFEXPLORE_VISITOR": "0f3a"}))
        with pytest.raises(IdentityError):
            visit.resume(codes.new_code())
        hub = Visit.arriving(content, store, arrival({"JUPYTERHUB_USER": "student042"}))
        with pytest.raises(StoreError):
            hub.join("ABC-DEF")
        with pytest.raises(IdentityError):
            Visit.arriving(content, store, arrival({})).resume(codes.new_code())
        assert told == ["0f3a", "user:student042", None]

    def test_a_resume_code_opens_the_same_workbook(self, content: Content, store: Store) -> None:
        created = store.create_student()
        visit = Visit(content, store)
        visit.resume(created.code.lower())
        assert visit.student == created.student and visit.page_pass is not None
        with pytest.raises(IdentityError):
            Visit.for_code(content, store, "0000-0000-0000-0000-0")


class TestAnswers:
    def test_a_saved_answer_is_kept_without_reading_the_attempt_again(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        reads = _Counting(store, "saved_answers")
        assert visit.answers() == {}
        visit.save_answer("i01", 4)
        visit.save_answer("body_systems", ["skin"])
        assert visit.answers() == {"i01": 4, "body_systems": ("skin",)}
        assert reads.calls == 1

    def test_results_are_worked_out_once_per_change_of_the_answers(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        first = visit.results()
        assert visit.results() is first
        visit.save_answer("i01", 5)
        changed = visit.results()
        assert changed is not first
        visit.save_answer("i01", 5)  # the same answer again changes nothing
        assert visit.results() is changed

    def test_a_refused_answer_changes_nothing(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        version = visit.version
        with pytest.raises(Exception, match="i01"):
            visit.save_answer("i01", 9)
        assert visit.answers() == {} and visit.version == version

    def test_a_new_attempt_starts_empty_and_keeps_the_old(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        visit.save_answer("i01", 2)
        generation = visit.generation
        attempt = visit.new_attempt()
        assert attempt.number == 2 and visit.answers() == {} and visit.generation > generation
        assert len(visit.attempts()) == 2


def second_tab(content: Content, store: Store, first: Visit) -> Visit:
    """Another tab of the same browser: the same pass, its own kernel and its own copy of the workbook."""
    return Visit.arriving(content, store, arrival(cookie(first)))


class TestTwoTabs:
    """Two tabs of one student (security review of 5 December 2026, finding 4): a save made from a copy the
    other tab has changed since is refused, and the tab is handed what the store holds."""

    def test_a_stale_tab_cannot_overwrite_a_newer_reflection(self, content: Content, store: Store) -> None:
        a = signed_in(content, store)
        a.save_reflection("balance_week", "v1", share_adviser=False, share_group=False, in_report=False)
        b = second_tab(content, store, a)
        assert b.reflections()["balance_week"].text == "v1"
        newer = "v2: " + "a longer answer, written with care. " * 17
        assert len(newer) > 600
        a.save_reflection("balance_week", newer, share_adviser=False, share_group=False, in_report=True)
        with pytest.raises(ChangedElsewhere, match="Another tab or window") as refused:
            b.save_reflection("balance_week", "v1!", share_adviser=False, share_group=False, in_report=False)
        assert str(refused.value) == CHANGED_ELSEWHERE
        # Nothing was written; the stale tab now holds the newer text, and saves made from it are kept.
        assert store.reflections(a.attempt)[0].text == newer  # type: ignore[arg-type]
        assert b.reflections()["balance_week"].text == newer and b.reflections()["balance_week"].in_report
        b.save_reflection("balance_week", newer + "!", share_adviser=False, share_group=False, in_report=True)
        assert store.reflections(a.attempt)[0].text == newer + "!"  # type: ignore[arg-type]
        # ... and now the first tab is the stale one.
        with pytest.raises(ChangedElsewhere):
            a.save_reflection("balance_week", newer + "?", share_adviser=False, share_group=False, in_report=True)

    def test_a_reflection_first_written_in_the_other_tab_is_not_overwritten(
        self, content: Content, store: Store
    ) -> None:
        a = signed_in(content, store)
        b = second_tab(content, store, a)
        assert "balance_week" not in b.reflections()
        a.save_reflection("balance_week", "written in A", share_adviser=False, share_group=False, in_report=False)
        with pytest.raises(ChangedElsewhere):
            b.save_reflection("balance_week", "x", share_adviser=False, share_group=False, in_report=False)
        assert b.reflections()["balance_week"].text == "written in A"

    def test_a_stale_answer_is_refused_and_the_newer_one_taken(self, content: Content, store: Store) -> None:
        a = signed_in(content, store)
        a.save_answer("i01", 2)
        b = second_tab(content, store, a)
        assert b.answers()["i01"] == 2
        a.save_answer("i01", 5)
        version = b.version
        with pytest.raises(ChangedElsewhere):
            b.save_answer("i01", 1)
        assert store.answers(a.attempt)["i01"] == 5  # type: ignore[arg-type]
        # The stale tab shows the answer held, and its figures are worked out again from it.
        assert b.answers()["i01"] == 5 and b.version > version
        assert b.save_answer("i01", 1).changed  # chosen again, from the answer shown: saved
        assert store.answers(a.attempt)["i01"] == 1  # type: ignore[arg-type]

    def test_choosing_what_the_other_tab_already_saved_is_not_refused(self, content: Content, store: Store) -> None:
        a = signed_in(content, store)
        b = second_tab(content, store, a)
        b.answers()
        a.save_answer("i02", 4)
        saved = b.save_answer("i02", 4)
        assert not saved.changed and b.answers()["i02"] == 4
        a.save_answer("i02", 3)  # A's copy is as the store holds it: the same answer saved twice moved nothing
        assert store.answers(a.attempt)["i02"] == 3  # type: ignore[arg-type]

    def test_a_stale_plan_step_is_refused_with_its_note(self, content: Content, store: Store) -> None:
        a = signed_in(content, store)
        b = second_tab(content, store, a)
        step_a, step_b = a.plan()[-1], b.plan()[-1]
        a.choose_step(step_a, "accepted", "email the advisor first", "2027-01")
        with pytest.raises(ChangedElsewhere):
            b.choose_step(step_b, "dismissed", "", None)
        held = b.step(step_b.suggestion.id)
        assert held is not None and (held.choice, held.note) == ("accepted", "email the advisor first")
        assert b.choose_step(held, "dismissed", "not now", None).status == "dismissed"

    def test_saves_from_one_copy_at_once_keep_exactly_one(self, content: Content, store: Store, db_url: str) -> None:
        """Two tabs saving from the same copy at the same moment, each over its own connection: one is kept,
        the other refused, on SQLite and on PostgreSQL (where the second waits for the first's row lock)."""
        other = Store.open(content, db_url)
        try:
            a = signed_in(content, store)
            a.save_reflection("balance_week", "v1", share_adviser=False, share_group=False, in_report=False)
            for trial in range(10):
                tabs = (second_tab(content, store, a), second_tab(content, other, a))
                for tab in tabs:
                    tab.reflections()
                start, outcome = threading.Barrier(2), dict[int, str]()

                def save(
                    index: int,
                    tabs: tuple[Visit, Visit] = tabs,
                    trial: int = trial,
                    start: threading.Barrier = start,
                    outcome: dict[int, str] = outcome,
                ) -> None:
                    start.wait()
                    try:
                        tabs[index].save_reflection(
                            "balance_week", f"{trial}-{index}", share_adviser=False, share_group=False, in_report=False
                        )
                        outcome[index] = "kept"
                    except ChangedElsewhere:
                        outcome[index] = "refused"

                threads = [threading.Thread(target=save, args=(index,)) for index in (0, 1)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                assert sorted(outcome.values()) == ["kept", "refused"]
                (kept,) = [index for index, said in outcome.items() if said == "kept"]
                assert store.reflections(a.attempt)[0].text == f"{trial}-{kept}"  # type: ignore[arg-type]
        finally:
            other.close()

    def test_a_save_made_from_no_copy_is_kept_as_the_last(self, content: Content, store: Store) -> None:
        a = signed_in(content, store)
        a.save_answer("i01", 2)
        assert a.attempt is not None
        store.save_answer(a.attempt, "i01", 4)  # made from no copy shown to anyone (a script): the last one wins
        assert store.answers(a.attempt)["i01"] == 4


class TestRetakesCompared:
    def test_what_moved_is_measured_against_the_attempt_just_before(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        leanings = [{"procedures", "operating_room"}, {"mind_behavior", "continuity"}, {"children", "continuity"}]
        for number, high in enumerate(leanings, start=1):
            if number > 1:
                visit.new_attempt()
            for item_id, value in answers_leaning(content, high).items():
                visit.save_answer(item_id, value)
        movement = visit.movement("specialties")
        assert movement is not None
        assert (movement.before_number, movement.after_number) == (2, 3)

    def test_a_first_attempt_has_nothing_to_compare_with(self, content: Content, store: Store) -> None:
        assert signed_in(content, store).movement("specialties") is None


class TestPlan:
    def test_a_note_alone_keeps_nothing(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        step = visit.plan()[-1]
        saved = visit.choose_step(step, None, "ask about research years", None)
        assert saved.status == "suggested" and not saved.kept and saved.note == "ask about research years"
        assert not visit.report(date(2026, 12, 1)).steps

    def test_keeping_with_a_note_and_a_month_is_kept_and_reported(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        step = visit.plan()[-1]
        saved = visit.choose_step(step, "accepted", "email first", "2027-01")
        assert saved.kept and saved.status == "accepted"
        (reported,) = visit.report(date(2026, 12, 1)).steps
        assert (reported.note, reported.target_month) == ("email first", "2027-01")
        assert visit.plan()[-1].kept  # shown again as kept

    def test_setting_a_step_aside(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        saved = visit.choose_step(visit.plan()[-1], "dismissed", "", None)
        assert saved.status == "dismissed" and saved.choice == "dismissed"


class TestTheStudentsOwnData:
    def test_only_reflections_ticked_for_the_report_reach_it(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        visit.save_reflection("balance_week", "<b>mine</b>", share_adviser=False, share_group=False, in_report=True)
        visit.save_reflection("balance_energy", "not this", share_adviser=True, share_group=True, in_report=False)
        texts = [r.text for r in visit.report(date(2026, 12, 1)).reflections]
        assert texts == ["<b>mine</b>"]

    def test_export_holds_every_answer_and_delete_removes_everything(self, content: Content, store: Store) -> None:
        visit = signed_in(content, store)
        visit.save_answer("i01", 3)
        assert visit.export()["attempts"][0]["answers"] == {"i01": 3}
        visit.delete()
        assert not visit.known and store.counts()["students"] == 0
        with pytest.raises(IdentityError):
            visit.export()
