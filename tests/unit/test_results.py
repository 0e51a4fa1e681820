"""The workbook's pure parts: progress, matches with reasons, tensions, suggestions, charts, who can help."""

from __future__ import annotations

import dataclasses
import re
from html import escape

import pytest

from selfexplore.charts import fit_chart, profile_chart, share_bars
from selfexplore.content import Contact, Content, Resources
from selfexplore.matching import Match, Reason
from selfexplore.plan import suggest
from selfexplore.results import (
    CLOSE_FIT,
    NEAR_NEUTRAL,
    SUGGESTION_FIT_MIN,
    TRUST_THRESHOLD,
    build_results,
    paths_by_fit,
    previous_attempt,
    profile_glance,
    quotable,
    reason_words,
    render_matches,
    suggestions,
    tensions,
)
from selfexplore.scoring import score_answers, value_ids
from selfexplore.support import advising_map, help_for, render_help
from selfexplore.workbook import STEPS, neighbours, progress
from tests.helpers import answers_leaning, tags


class TestProgress:
    def test_the_workbook_has_six_steps_in_order(self) -> None:
        assert [step.id for step in STEPS] == ["start", "interests", "values", "balance", "matches", "plan"]
        assert neighbours("start") == (None, STEPS[1])
        assert neighbours("plan") == (STEPS[4], None)

    def test_progress_counts_answered_items_and_names_the_step(self, content: Content) -> None:
        shown = progress(content, {"i01": 3, "body_systems": ("skin",)}, "values")
        assert (shown.step_number, shown.step_count, shown.answered) == (3, 6, 2)
        assert shown.total == len(content.questionnaire.items)
        assert shown.label().startswith("Step 3 of 6: Values. 2 of")

    def test_the_percentage_reaches_100_only_when_everything_is_answered(self, content: Content) -> None:
        almost = {item.id: 3 for item in content.questionnaire.items[1:]}
        assert progress(content, almost, "matches").percent == 98  # 70 of 71, floored


class TestResults:
    def test_a_surgical_profile_ranks_surgery_first_with_reasons_in_plain_words(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures", "operating_room", "acuity"}))
        top = results.specialties[0]
        assert "surgery" in top.id
        reason = top.supports[0] if not top.supports[0].key.startswith("system:") else top.supports[1]
        words = reason_words(content, top, reason)
        assert words.startswith("<strong>") and "towards it" in words
        # The page's own line on the dimension, not a stock phrase for one end of it.
        assert content.field(top.id).profile[reason.key].why.split()[0] in words

    def test_few_answers_make_the_ranking_untrustworthy(self, content: Content) -> None:
        assert not build_results(content, {"i01": 5}).trustworthy
        assert build_results(content, answers_leaning(content, set())).trustworthy
        assert TRUST_THRESHOLD == 0.6

    def test_a_top_ranked_value_that_a_top_match_works_against_is_a_tension(self, content: Content) -> None:
        answers = answers_leaning(content, {"procedures", "operating_room"})
        ranking = ("short_training", *[v for v in value_ids(content) if v != "short_training"])
        answers["values_ranking"] = ranking
        results = build_results(content, answers)
        found = tensions(content, results, "specialties")
        assert found, "surgical specialties train long: a student who ranks short training first is told so"
        assert any(t.value == "short_training" and t.ranked == 1 for t in found)
        assert all(t.value in ranking[:3] for t in found)
        assert {t.page_id for t in found} <= {m.id for m in results.specialties[:3]}

    def test_no_stated_value_means_no_tension(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures"}))
        assert tensions(content, results, "specialties") == ()

    def test_suggestions_come_from_outside_the_top_and_show_other_sides(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures", "children", "research"}))
        picked = suggestions(results.specialties)
        top_ids = {m.id for m in results.specialties[:3]}
        assert len(picked) == 3
        assert not top_ids & {m.id for m in picked}

    def test_suggestions_fill_up_in_rank_order_when_nothing_differs(self) -> None:
        same = Reason("procedures", 1.0, 0.9, 0.9)
        matches = [Match(f"p{n}", f"P{n}", 60, 1.0 - n / 100, (same,), ()) for n in range(8)]
        assert [m.id for m in suggestions(matches)] == ["p3", "p4", "p5"]

    def test_a_suggestion_is_drawn_to_never_only_an_absence_or_a_low_fit(self) -> None:
        """Walk review 8: Neurology at fit 27 was "worth a look" because the student would rather not operate,
        and fields with no reason at all filled the list."""
        draw = Reason("procedures", 1.0, 0.9, 0.9)
        absence = Reason("operating_room", 0.5, 0.1, 0.1)
        matches = [
            *(Match(f"top{n}", f"Top{n}", 80, 3.0 - n / 10, (draw,), ()) for n in range(3)),
            Match("only-absent", "Only absent", 60, 1.0, (absence,), ()),
            Match("nothing", "Nothing", 55, 0.9, (), ()),
            Match("low", "Low", SUGGESTION_FIT_MIN - 1, -0.5, (draw,), ()),
            Match("drawn", "Drawn", SUGGESTION_FIT_MIN, -0.6, (absence, draw), ()),
        ]
        assert [m.id for m in suggestions(matches)] == ["drawn"]
        assert suggestions(matches[:5]) == ()

    def test_every_suggestion_shown_says_what_draws_the_student(self, content: Content) -> None:
        for leaning in ({"procedures"}, {"mind_behavior", "continuity"}, {"research"}, {"children", "team_based"}):
            results = build_results(content, answers_leaning(content, leaning))
            for kind in ("specialties", "paths"):
                html = render_matches(content, results, kind, lambda page_id: page_id)
                if "Also worth a look" not in html:
                    continue
                listed = html.split("Also worth a look")[1].split("</ul>")[0].split("<li>")[1:]
                assert listed and all("you lean" in item or "you chose it" in item for item in listed), listed
                assert all("has little of it" not in item for item in listed)

    def test_with_nothing_answered_no_list_is_shown(self, content: Content) -> None:
        html = render_matches(content, build_results(content, {}), "specialties", lambda page_id: page_id)
        assert "Nothing answered yet" in html and 'class="se-match"' not in html

    def test_the_matches_page_escapes_content_and_links_each_page(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"mind_behavior"}))
        html = render_matches(content, results, "specialties", lambda page_id: f"x.ipynb?page={page_id}&a=<b>")
        assert "script" not in tags(html)
        assert "x.ipynb?page=psychiatry&amp;a=&lt;b&gt;" in html
        assert html.count('class="se-match"') == 10
        # Each match's reasons are headed by what they say, marked for colour (never colour alone).
        assert html.count("<h4 class='se-for'>What draws you</h4>") == 10
        assert html.count("<h4 class='se-against'>What works against it</h4>") == 10


class TestRules:
    def test_a_retake_is_compared_with_the_attempt_just_before(self) -> None:
        assert previous_attempt([1, 2, 3], 3) == 2
        assert previous_attempt([3, 1, 2], 2) == 1
        assert previous_attempt([1], 1) is None

    def test_career_paths_are_ordered_by_fit_then_by_name(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"research", "laboratory"}))
        ranked = paths_by_fit(content, results)
        fits = [fit for _, fit in ranked]
        assert fits == sorted(fits, reverse=True)  # type: ignore[type-var]
        assert ranked[0][0].id == results.paths[0].id
        assert len(ranked) == len(content.paths)

    def test_without_answers_the_paths_are_in_name_order_with_no_fit(self, content: Content) -> None:
        ranked = paths_by_fit(content, None)
        assert [page.name for page, _ in ranked] == sorted(page.name for page in content.paths)
        assert {fit for _, fit in ranked} == {None}


class TestCharts:
    def test_the_profile_chart_has_a_title_and_a_table_with_every_dimension(self, content: Content) -> None:
        scored = score_answers(content, {"i01": 5})
        html = profile_chart(content, scored)
        title = re.search(r'role="img" aria-labelledby="([^"]+)"', html)
        assert title is not None and f'id="{title.group(1)}" class="se-chart-title">Your profile across' in html
        assert html.count('<th scope="row">') == len(content.matched_dimensions)
        assert "not answered" in html
        # A bar starts at the middle: right for a high value, left (and marked low) for a low one.
        assert html.count('class="se-bar-label"') == len(content.matched_dimensions)
        low = profile_chart(content, score_answers(content, answers_leaning(content, set(), {"procedures"})))
        assert 'class="se-bar se-bar-low" style="left:' in low
        assert re.search(r'class="se-bar" style="left:50\.0%;width:[1-9]', profile_chart(content, scored))

    def test_the_fit_chart_lists_each_match_with_its_fit(self) -> None:
        matches = [Match("a", "A & B", 70, 1.0, (), ()), Match("c", "C", 40, -1.0, (), ())]
        html = fit_chart(matches, "Fits")
        assert "A &amp; B" in html and "<td>70</td>" in html and "<td>40</td>" in html
        # Walk review 7: the label and the figure are page text, not SVG text scaled to the column.
        assert "<svg" not in html
        assert '<div class="se-bar-label">A &amp; B</div>' in html
        assert 'style="left:0.0%;width:70.0%"' in html and 'style="left:0.0%;width:40.0%"' in html
        assert html.count('class="se-bar-axis" style="left:50.0%"') == 2

    def test_share_bars_are_as_tall_as_their_rows_and_as_long_as_their_shares(self) -> None:
        # The viewBox holds exactly the rows drawn (no blank space under the bars); a share past 1 or below 0
        # is drawn at the end, its figure as it is.
        html = share_bars([("A <b>", 0.5), ("B", 1.4), ("C", -0.2)], "Shares", 0.7)
        viewbox = re.search(r'viewBox="0 0 (\d+) (\d+)"', html)
        assert viewbox is not None
        heights = [float(y) for y in re.findall(r'<rect x="0" y="([\d.]+)"', html)]
        assert int(viewbox.group(2)) - max(heights) < 40
        widths = [float(w) for w in re.findall(r'width="([\d.]+)" height="12"', html)]
        assert widths[0] == widths[1] / 2 and widths[2] == 0
        assert "A &lt;b&gt;" in html and "1.40" in html and "-0.20" in html


class TestHelp:
    def test_each_ticked_challenge_lists_its_supports_in_content_order(self, content: Content) -> None:
        found = help_for(content, ["information", "time"])
        assert [h.challenge.id for h in found] == ["time", "information"]
        assert all(h.supports for h in found)

    @pytest.mark.parametrize("ticked", [[], ["unknown"]])
    def test_nothing_known_ticked_points_to_the_society_advisor(self, content: Content, ticked: list[str]) -> None:
        assert "Society advisor" in render_help(content, ticked)

    def test_who_can_help_describes_each_person_office_and_event_once(self, content: Content) -> None:
        """Walk review 4: Who can help was 17,700 px on a phone, the Society advisor's line under need after
        need. Needs now name who to go to; each is described once, with how to reach them."""
        resources = content.resources
        page = advising_map(content)
        advisor = resources.supports_by_id["society-advisor"]
        assert page.count(escape(advisor.how_to_reach)) == 1
        needs, described = page.split("<h2>Who they are and how to reach them</h2>")
        for support in resources.supports:
            assert described.count(f"<summary>{escape(support.name)}</summary>") == 1
            assert escape(support.what) not in needs
        for event in resources.events:
            assert described.count(f"<summary>{escape(event.name)}</summary>") == 1
        explore = next(n for n in resources.needs if n.id == "explore-specialties")
        named = page.split(f"<h3>{escape(explore.label)}</h3>")[1].split("</section>")[0]
        assert "<strong>Go to:</strong>" in named and escape(advisor.name) in named
        assert len(page) < 40_000

    def test_ticked_challenges_describe_a_shared_support_once(self, content: Content) -> None:
        ticked = [c.id for c in content.resources.challenges]
        advisor = content.resources.supports_by_id["society-advisor"]
        for full in (True, False):
            html = render_help(content, ticked, full=full)
            assert html.count(escape(advisor.how_to_reach)) == 1
            assert f"<strong>{escape(advisor.name)}</strong>: described above." in html
            assert (escape(advisor.what) in html) is full

    def test_a_support_shows_its_contact_as_the_content_gives_it_on_every_page_that_names_it(
        self, content: Content
    ) -> None:
        """Walk review 4: "How to reach them: Contact the Dean for Students" said no more than the name. A
        contact in the content pack is shown as links on Who can help, its map, the pages' ways and the plan;
        where the pack gives none, nothing is made up."""
        dean = content.resources.supports_by_id["dean-for-students"]
        assert dean.contact is None
        assert "se-contact" not in render_help(content, ["time"]).split("Dean for Students", 1)[1].split("</li>")[0]
        contact = Contact(email="dean@example.edu", url="https://example.edu/dean?a=1&b=<2>", place="Room 1 <B>")
        data = content.resources.model_dump()
        next(s for s in data["supports"] if s["id"] == dean.id)["contact"] = contact.model_dump()
        changed = dataclasses.replace(content, resources=Resources.model_validate(data))
        shown = render_help(changed, ["time"])
        assert '<a href="mailto:dean@example.edu">dean@example.edu</a>' in shown
        assert 'href="https://example.edu/dean?a=1&amp;b=&lt;2&gt;"' in shown and "Room 1 &lt;B&gt;" in shown
        assert "<B>" not in shown
        assert "mailto:dean@example.edu" in advising_map(changed)
        results = build_results(changed, answers_leaning(changed, {"procedures"}))
        steps = {s.id: s for s in suggest(changed, results, ["time"])}
        assert steps["support_dean-for-students"].contact == contact
        aamc = content.resources.supports_by_id["aamc-careers-in-medicine"]
        assert aamc.contact is not None and aamc.contact.url == "https://careersinmedicine.aamc.org/"


class TestReasonsSayWhatThePageSays:
    def test_a_near_neutral_page_value_is_never_quoted(self, content: Content) -> None:
        # Emergency medicine's teaching (0.45) once read "Little teaching".
        reason = Reason("teaching", 0.1, 1.0, 0.45)
        assert quotable((reason,)) == ()
        assert quotable((Reason("system:heart", 1.5),)) == (Reason("system:heart", 1.5),)

    def test_every_shown_reason_quotes_its_pages_own_line(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"acuity", "breadth", "teaching"}, {"continuity"}))
        for match in results.specialties[:10]:
            html = render_matches(content, results, "specialties", lambda page_id: f"#{page_id}")
            for reason in quotable((*match.supports[:4], *match.conflicts[:3])):
                if reason.key.startswith("system:"):
                    continue
                assert abs(content.field(match.id).value(reason.key) - 0.5) > NEAR_NEUTRAL
                why = content.field(match.id).profile[reason.key].why
                assert escape(why) in html

    def test_a_list_whose_best_is_not_close_is_not_called_a_fit(self, content: Content) -> None:
        # A surgeon-to-be: specialties fit well, no career path comes close (walk review: "Career paths that fit
        # you best" over fits of 48 down to 10).
        results = build_results(content, answers_leaning(content, {"procedures", "operating_room"}))
        assert results.specialties[0].fit >= CLOSE_FIT > results.paths[0].fit
        specialties = render_matches(content, results, "specialties", lambda page_id: f"#{page_id}")
        assert "Specialties that fit you best" in specialties and "None is close" not in specialties
        paths = render_matches(content, results, "paths", lambda page_id: f"#{page_id}")
        assert "that fit you best" not in paths
        assert "Career paths closest to your answers" in paths
        assert f"the closest fits {results.paths[0].fit}" in paths
        # A student drawn to teaching and breadth has paths that do fit.
        teaching = build_results(content, answers_leaning(content, {"acuity", "breadth", "teaching"}))
        assert teaching.paths[0].fit >= CLOSE_FIT
        assert "Career paths that fit you best" in render_matches(content, teaching, "paths", lambda page_id: page_id)

    def test_the_fit_is_shown_with_words_not_as_a_share(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures", "operating_room"}))
        html = render_matches(content, results, "specialties", lambda page_id: f"#{page_id}")
        assert "closest of your matches" in html
        assert "of 100" not in html and "not a chance" in html


class TestProfileGlance:
    def test_the_strongest_leanings_come_before_the_list_in_one_sentence(self, content: Content) -> None:
        results = build_results(content, answers_leaning(content, {"procedures", "operating_room"}))
        glance = profile_glance(content, results)
        assert "Your profile at a glance" in glance
        assert "towards hands-on procedures and working in the operating room" in glance
        assert "script" not in tags(glance)

    def test_the_sentence_names_what_the_student_leans_away_from_too(self, content: Content) -> None:
        answers = answers_leaning(content, {"procedures"}, {"children", "reproductive_health"})
        glance = profile_glance(content, build_results(content, answers))
        assert "most away from" in glance and "caring for children" in glance

    def test_no_strong_leaning_is_said_and_nothing_answered_says_nothing(self, content: Content) -> None:
        middling = profile_glance(content, build_results(content, answers_leaning(content, set())))
        assert "you do not lean strongly towards or away from any side of the work yet" in middling
        assert profile_glance(content, build_results(content, {})) == ""
