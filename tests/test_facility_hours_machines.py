"""Opening hours (IANA time zones, closures) and assisted machine entry, without a store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from refaire.manage.access import ManageError
from refaire.manage.hours import check_hours, open_at, parse_closures, parse_weekly, weekly_text
from refaire.manage.machines import equipment_from, propose_machine


def test_weekly_text_round_trip_and_day_ranges() -> None:
    weekly = parse_weekly("mon-fri 09:00-18:00; sat 10:00-12:00 14:00-17:00")
    hours = check_hours({"time_zone": "Europe/Paris", "weekly": weekly})
    assert list(hours["weekly"]) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert hours["weekly"]["sat"] == [["10:00", "12:00"], ["14:00", "17:00"]]
    assert weekly_text(hours).startswith("mon 09:00-18:00; tue 09:00-18:00")
    # French day names read too
    assert list(parse_weekly("lun-mer 9:00-12:00")) == ["mon", "tue", "wed"]


def test_open_at_follows_the_facility_time_zone_and_closures() -> None:
    hours = check_hours(
        {
            "time_zone": "Europe/Paris",
            "weekly": {"tue": [["09:00", "18:00"]]},
            "closures": parse_closures("2026-12-22..2026-12-23 inventory"),
        }
    )
    # Tuesday 1 December 2026, 07:30 UTC is 08:30 in Paris (UTC+1 in winter): closed
    assert not open_at(hours, datetime(2026, 12, 1, 7, 30, tzinfo=UTC))
    # 08:30 UTC is 09:30 in Paris: open
    assert open_at(hours, datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    # in summer Paris is UTC+2: 07:30 UTC is 09:30, open (Tuesday 7 July 2026)
    assert open_at(hours, datetime(2026, 7, 7, 7, 30, tzinfo=UTC))
    # the closure wins over the weekly schedule (Tuesday 22 December 2026, noon)
    assert not open_at(hours, datetime(2026, 12, 22, 11, 0, tzinfo=UTC))


def test_bad_hours_name_every_field() -> None:
    with pytest.raises(ManageError) as caught:
        check_hours(
            {
                "time_zone": "Europe/Pariss",
                "weekly": {"mon": [["18:00", "09:00"]], "funday": [], "tue": [["9h", "12:00"]]},
                "closures": [{"from": "2026-12-24", "to": "2026-12-01"}],
            }
        )
    fields = [f for f, _ in caught.value.problems]
    assert fields == ["time_zone", "weekly.mon[0]", "weekly.funday", "weekly.tue[0]", "closures[0]"]
    assert "Europe/Paris" in caught.value.problems[0][1]  # the near miss is suggested
    with pytest.raises(ManageError, match="overlap"):
        check_hours(
            {"time_zone": "UTC", "weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}
        )  # noqa: E501


def test_ultimaker_s5_is_the_catalogue_s5_not_the_first_ultimaker() -> None:
    p = propose_machine("Ultimaker S5")
    assert p["catalogue"] == "Ultimaker S5"
    assert (p["make"], p["model"], p["process"]) == ("Ultimaker", "S5", "fdm")
    assert p["build_volume_mm"] == [330.0, 240.0, 300.0]
    assert set(p["materials"]) >= {"pla", "abs"}
    assert p["basis"]["build_volume_mm"] == "catalogue:Ultimaker S5"


def test_french_words_and_a_brand_give_a_process_and_a_make() -> None:
    p = propose_machine("découpeuse laser Trotec", "fr")
    assert p["catalogue"] is None  # no model named: no size is made up
    assert p["process"] == "laser-cutting" and p["basis"]["process"] == "alias:fr"
    assert p["make"].startswith("Trotec")
    assert p["build_volume_mm"] is None and p["bed_size_mm"] is None
    assert propose_machine("Trotec Speedy 300")["bed_size_mm"] == [726.0, 432.0]
    assert not propose_machine("the blue one")["found"]


def test_confirmed_machine_is_stated_by_the_manager() -> None:
    e = equipment_from(
        {"make": "Ultimaker", "model": "S5", "process": "fdm", "materials": "pla, petg",
         "build_volume_mm": "330 x 240 x 300", "quantity": "2"},
        "user:7", "2026-12-01T15:00:00+00:00",
    )  # fmt: skip
    assert [(c.id, c.origin) for c in e.processes] == [("fdm", "stated")]
    assert [c.id for c in e.materials] == ["pla", "petg"]
    assert e.build_volume_mm == (330.0, 240.0, 300.0) and e.quantity == 2
    assert e.extra["stated_by"] == {"by": "user:7", "at": "2026-12-01T15:00:00+00:00"}
    with pytest.raises(ManageError) as caught:
        equipment_from({"process": "welding-by-magic", "materials": "unobtainium",
                        "build_volume_mm": "big", "quantity": "0"}, "user:7", "now")  # fmt: skip
    assert [f for f, _ in caught.value.problems] == [
        "process", "materials", "quantity", "build_volume_mm", "model",
    ]  # fmt: skip
