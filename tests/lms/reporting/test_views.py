"""The dashboards as each role sees them: what is shown, what is refused, what downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import text_of
from tests.lms.reporting.conftest import Programme_, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get(client: Any, world: Programme_, role: str, url: str) -> Any:
    sign_in(client, world.users[role])
    return client.get(url)


def _csv(resp: Any) -> list[list[str]]:
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# Which dashboard is whose


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("learner", "/reports/me"),
        ("manager", "/reports/team"),
        ("coordinator", "/reports/programme"),
        ("evaluator", "/reports/evaluation"),
        ("admin", "/reports/programme"),
    ],
)
def test_index_sends_each_role_to_its_dashboard(
    client: Any, world: Programme_, role: str, target: str
) -> None:
    resp = _get(client, world, role, "/reports/")
    assert resp.status_code == 302
    assert resp.location == target


def test_home_page_links_the_dashboard(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "manager", "/")
    assert 'href="/reports/team"' in resp.get_data(as_text=True)


# Learner


def test_learner_sees_next_step_assignments_events_and_certificates(
    client: Any, world: Programme_
) -> None:
    resp = _get(client, world, "learner", "/reports/me")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "My next step Think – in the track Digital basics" in page
    assert "Coming webinar, part 1" in page
    assert "In progress, on time" in page
    assert "Mediating e-audiobooks" not in page  # past: not upcoming


def test_learner_exports_their_own_assignments(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "learner", "/reports/me/assignments.csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = _csv(resp)
    assert rows[0][:3] == ["Track", "Due date", "Status"]
    assert rows[1][0] == "Digital basics"
    assert rows[1][3] == "50"


def test_an_unknown_table_or_format_is_not_found(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["learner"])
    assert client.get("/reports/me/secrets.csv").status_code == 404
    assert client.get("/reports/me/assignments.pdf").status_code == 404


# Manager


def test_manager_sees_their_team_per_person_and_per_track(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "manager", "/reports/team")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = text_of(html)
    assert "Lars Learner" in page
    assert "Bo A2-0" not in page  # another library of the same municipality
    assert "Britt B" not in page
    assert "Overdue assignments" in page
    assert "Maja Manager Digital basics" in page  # overdue
    assert '<svg role="img"' in html
    assert 'id="h-tracks"' in html  # the chart's table alternative
    assert "Coming webinar, part 1" in page


def test_manager_filters_by_track_and_library(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["manager"])
    lib = world.units["lib_a1"].id
    resp = client.get(f"/reports/team?unit={lib}&track={world.track.id}")  # type: ignore[union-attr]
    assert resp.status_code == 200
    assert "Lars Learner" in text_of(resp.get_data(as_text=True))


def test_manager_cannot_look_at_another_unit(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["manager"])
    for unit in ("lib_a2", "lib_b", "region_a"):
        assert client.get(f"/reports/team?unit={world.units[unit].id}").status_code == 403
        assert client.get(f"/reports/team/people.csv?unit={world.units[unit].id}").status_code == (
            403
        )
    assert client.get("/reports/team?unit=999999").status_code == 404
    assert client.get("/reports/team?track=999999").status_code == 404


def test_manager_bad_filter_is_shown_again_with_a_message(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "manager", "/reports/team?unit=abc")
    assert resp.status_code == 422
    page = text_of(resp.get_data(as_text=True))
    assert "Enter a whole number." in page
    assert "Lars Learner" not in page


def test_manager_exports_people_as_xlsx_with_numbers(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "manager", "/reports/team/people.xlsx")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Name", "Library", "Job title", "Tracks assigned"]
    names = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(names) == {u.name for u in world.staff["lib_a1"]}
    assert names["Lars Learner"][3].value == 1
    assert names["Lars Learner"][3].data_type == "n"


# Coordinator


def test_coordinator_starts_inside_their_region_and_drills_down(
    client: Any, world: Programme_
) -> None:
    sign_in(client, world.users["coordinator"])
    resp = client.get("/reports/programme")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = text_of(html)
    assert "Kommun A 9 8" in page
    assert "Region B" not in page
    muni = world.units["muni_a"].id
    assert f'href="/reports/programme?unit={muni}"' in html
    resp = client.get(f"/reports/programme?unit={muni}")
    page = text_of(resp.get_data(as_text=True))
    assert "Bibliotek A1 7 7 100%" in page
    assert "Bibliotek A2 2 1 50%" in page


def test_coordinator_filters_by_phase_and_dates(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["coordinator"])
    ids = world.ids
    resp = client.get(f"/reports/programme?programme={ids['programme']}&phase={ids['old_phase']}")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Kommun A 9 0 0%" in page
    resp = client.get("/reports/programme?start=2012-01-01&end=2012-02-01")
    assert "Kommun A 9 0 0%" in text_of(resp.get_data(as_text=True))
    resp = client.get(f"/reports/programme?phase={ids['phase']}")
    assert "Kommun A 9 8" in text_of(resp.get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("unit={lib_b}", 403),
        ("unit={region_b}", 403),
        ("programme={programme_b}", 403),
        ("unit=999999", 404),
        ("programme=999999", 404),
        ("phase=999999", 404),
    ],
)
def test_coordinator_forged_ids_are_refused(
    client: Any, world: Programme_, query: str, status: int
) -> None:
    sign_in(client, world.users["coordinator"])
    url = "/reports/programme?" + query.format(**world.ids)
    assert client.get(url).status_code == status
    export = "/reports/programme/units.csv?" + query.format(**world.ids)
    assert client.get(export).status_code == status


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13-01", "Enter a date as YYYY-MM-DD."),
        ("start=2026-05-01&end=2026-04-01", "The end date is before the start date."),
        ("unit=1.5", "Enter a whole number."),
        ("unit=99999999999", "This number is too large."),
        ("programme={programme}&phase={old_phase}", None),
        ("programme={programme_b}&phase={phase}", "This phase belongs to another programme."),
    ],
)
def test_coordinator_bad_filters_get_a_clear_message(
    client: Any, world: Programme_, query: str, message: str | None
) -> None:
    resp = _get(client, world, "coordinator", "/reports/programme?" + query.format(**world.ids))
    if message is None:  # a phase of the programme chosen: fine
        assert resp.status_code == 200
        return
    assert resp.status_code == 422
    page = text_of(resp.get_data(as_text=True))
    assert message in page
    assert "Kommun A" not in page


def test_coordinator_exports_units_with_the_filters_applied(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["coordinator"])
    muni = world.units["muni_a"].id
    rows = _csv(client.get(f"/reports/programme/units.csv?unit={muni}"))
    assert rows[0][:4] == ["Unit", "Staff", "Participants", "Participation (%)"]
    assert rows[1][:4] == ["Bibliotek A1", "7", "7", "100"]
    assert rows[-1][:2] == ["Total", "9"]
    resp = client.get("/reports/programme/events.xlsx")
    assert resp.headers["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    assert sheet is not None
    assert sheet["D2"].value == 5 or sheet["D3"].value == 5


def test_csv_for_a_swedish_reader_is_separated_by_semicolons(
    client: Any, world: Programme_, session: Any
) -> None:
    world.users["coordinator"].locale = "sv"
    session.commit()
    resp = _get(client, world, "coordinator", "/reports/programme/tracks.csv")
    first = resp.get_data().decode("utf-8-sig").splitlines()[0]
    assert first.split(";")[0] == "Spår"


# Evaluator


def test_evaluator_sees_no_names_and_no_small_groups(client: Any, world: Programme_) -> None:
    resp = _get(client, world, "evaluator", "/reports/evaluation")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Region B fewer than 5" in page
    for person in ("Lars Learner", "Maja Manager", "Britt B"):
        assert person not in page
    resp = _get(client, world, "evaluator", f"/reports/evaluation?unit={world.units['muni_a'].id}")
    page = text_of(resp.get_data(as_text=True))
    assert "Bibliotek A2 fewer than 5" in page
    assert "Bibliotek A1 hidden" in page  # else the total would give A2 away


def test_evaluator_exports_are_anonymised_too(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["evaluator"])
    rows = _csv(client.get("/reports/evaluation/units.csv"))
    region_b = next(r for r in rows if r[0] == "Region B")
    assert set(region_b[1:]) == {"fewer than 5"}
    sheet = load_workbook(
        io.BytesIO(client.get("/reports/evaluation/events.xlsx").get_data())
    ).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:2] == ["Event", "Date"]  # no series, no names
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(not isinstance(v, int) or v >= 5 for v in values)


def test_evaluator_cannot_see_the_named_dashboards(client: Any, world: Programme_) -> None:
    sign_in(client, world.users["evaluator"])
    assert client.get("/reports/programme").status_code == 403
    assert client.get("/reports/team").status_code == 403
    assert client.get("/reports/programme/units.csv").status_code == 403


def test_a_refused_filter_keeps_the_choices_and_marks_the_field(
    client: Any, world: Programme_
) -> None:
    query = "programme={programme}&phase={phase}&start=2026-02-30".format(**world.ids)
    resp = _get(client, world, "coordinator", f"/reports/programme?{query}")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'<option value="{world.ids["programme"]}" selected>Programme A</option>' in html
    assert 'id="start" name="start" type="date" value="2026-02-30" aria-invalid="true"' in html
    query = "programme={programme_b}&phase={phase}".format(**world.ids)
    sign_in(client, world.users["admin"])
    html = client.get(f"/reports/programme?{query}").get_data(as_text=True)
    assert '<select id="phase" name="phase" aria-invalid="true"' in html
    assert "This phase belongs to another programme." in text_of(html)


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01&end=9999-12-31"])
def test_the_widest_dates_there_are_still_answer(
    client: Any, world: Programme_, query: str
) -> None:
    resp = _get(client, world, "coordinator", f"/reports/programme?{query}")
    assert resp.status_code == 200
    assert "Kommun A 9 8" in text_of(resp.get_data(as_text=True))
