"""The index method on data built here: percentile ranks, bootstrap intervals, the
too-few flag, the leave-one-component-out table, and population-weighted local making
(towns with known populations, facilities with known verdicts)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from refaire import localise as numbers
from refaire.match.capabilities import MET, MISSING, PROBABLE
from refaire.observatory.index import COMPONENTS, MIN_DESIGNS, Members, compute, percentile_rank
from refaire.observatory.local import Towns, reach


def _members(spec: dict[str, tuple[int, list[float]]], seed: int = 0) -> Members:
    """Sectors of n designs whose component values are noisy around given means."""
    rng = np.random.default_rng(seed)
    names = sorted(spec)
    sector, values = [], []
    for i, name in enumerate(names):
        n, means = spec[name]
        sector += [i] * n
        values.append(np.clip(rng.normal(means, 0.05, size=(n, len(COMPONENTS))), 0, 1))
    v = np.vstack(values)
    return Members(np.array(sector), names, v, np.ones(v.shape, dtype=bool))


def test_percentile_rank() -> None:
    others = np.array([0.1, 0.2, 0.2, 0.9])
    assert percentile_rank(0.05, others) == 0.0
    assert percentile_rank(0.2, others) == pytest.approx((1 + 3) / 2 / 4)
    assert percentile_rank(1.0, others) == 1.0
    assert percentile_rank(0.3, np.array([])) == 0.5


def test_index_spreads_ranks_and_flags_too_few() -> None:
    spec = {
        "A": (200, [0.9] * 5),
        "B": (150, [0.6] * 5),
        "C": (120, [0.3] * 5),
        "D": (100, [0.1] * 5),
        "E": (MIN_DESIGNS - 1, [0.99] * 5),  # best values, but too few designs
    }
    r = compute(_members(spec), resamples=300)
    index = dict(zip(sorted(spec), r["index"], strict=True))
    # every component of A beats every other ranked sector: rank 1 of 3 others = 100
    assert index["A"] == pytest.approx(100.0)
    assert index["D"] == pytest.approx(0.0)
    assert index["A"] > index["B"] > index["C"] > index["D"]
    assert np.isnan(index["E"]) and r["too_few"][4] and r["rank"][4] == 0
    assert list(r["rank"][:4]) == [1, 2, 3, 4]
    lo, hi = r["interval"][1]
    assert lo <= index["B"] <= hi
    # leave-one-out: with components this far apart, no rank moves
    assert [row["largest_move"] for row in r["leave_one_out"]] == [0, 0, 0, 0]
    assert {row["sector"] for row in r["leave_one_out"]} == {"A", "B", "C", "D"}


def test_bootstrap_is_deterministic_and_wider_for_small_noisy_sectors() -> None:
    spec = {
        "A": (400, [0.50] * 5),
        "B": (25, [0.51] * 5),
        "C": (400, [0.20] * 5),
        "D": (400, [0.80] * 5),
    }
    m = _members(spec, seed=3)
    r1, r2 = compute(m, resamples=400), compute(m, resamples=400)
    assert np.array_equal(r1["interval"], r2["interval"])  # fixed seed: same data, same answer
    width = r1["interval"][:, 1] - r1["interval"][:, 0]
    # A and B sit between C and D: which of A, B is higher is uncertain, C and D are not
    assert width[1] > 0 and width[2] == 0 and width[3] == 0


def test_leave_one_out_shows_a_ranking_carried_by_one_component() -> None:
    # A leads on local making and two more; B, second, leads on the rest
    spec = {
        "A": (100, [0.9, 0.8, 0.8, 0.2, 0.2]),
        "B": (100, [0.1, 0.5, 0.5, 0.8, 0.5]),
        "C": (100, [0.5, 0.2, 0.2, 0.5, 0.8]),
    }
    r = compute(_members(spec), resamples=100)
    assert list(r["index"]) == pytest.approx([60.0, 50.0, 40.0])
    rows = {row["sector"]: row for row in r["leave_one_out"]}
    assert [rows[s]["rank"] for s in "ABC"] == [1, 2, 3]
    # without local making, B (62.5) passes A (50)
    assert rows["A"]["without"]["local_making"] == 2 and rows["B"]["without"]["local_making"] == 1
    assert rows["A"]["largest_move"] >= 1


def test_disabled_and_missing_components() -> None:
    m = _members({"A": (50, [0.8] * 5), "B": (50, [0.2] * 5)})
    m.masks[m.sector == 1, 1] = False  # B: no design with a first-known date
    r = compute(m, enabled=(False, True, True, True, True), resamples=50)
    assert np.isnan(r["ranks"][:, 0]).all()  # local making off for everyone
    assert np.isnan(r["ranks"][1, 1]) and not np.isnan(r["ranks"][0, 1])
    # A's momentum has no other sector to be ranked against: the middle, 0.5
    assert r["index"][0] == pytest.approx(100 * (0.5 + 1 + 1 + 1) / 4)
    assert r["index"][1] == pytest.approx(0.0)


def _fi(lat, lon, sig_of, verdicts):
    """A facility index stand-in: `verdicts[req]` is the status code per signature."""
    return SimpleNamespace(
        lat=np.array(lat, dtype=float),
        lon=np.array(lon, dtype=float),
        sig_of=np.array(sig_of),
        sigs=list(range(max(sig_of) + 1)),
        status=lambda req: np.array(verdicts[req], dtype=np.int8),
    )


def _di(ids, reqs_per_design, unique):
    flat, offsets = [], [0]
    for reqs in reqs_per_design:
        flat += [unique.index(r) for r in reqs]
        offsets.append(len(flat))
    return SimpleNamespace(
        ids=np.array(ids), unique=unique, flat=np.array(flat, dtype=np.int32),
        offsets=np.array(offsets),
    )  # fmt: skip


def test_local_making_weights_towns_by_population() -> None:
    towns = Towns(
        lat=np.array([45.76, 48.86, -33.87, 45.9]),
        lon=np.array([4.84, 2.35, 151.21, 6.12]),  # Lyon, Paris, Sydney, Annecy
        pop=np.array([500.0, 2000.0, 5000.0, 500.0]),
        country=np.array(["FR", "FR", "AU", "FR"]),
    )
    # signature 0: a lab in Lyon that makes "print"; signature 1: a lab in Paris that
    # probably mills; a facility with no coordinates makes everything but is nowhere
    fi = _fi(
        [45.75, 48.85, np.nan],
        [4.85, 2.35, np.nan],
        [0, 1, 2],
        {"print": [MET, MISSING, MET], "mill": [MISSING, PROBABLE, MET]},
    )
    di = _di([10, 11, 12, 13], [["print"], ["mill"], ["print", "mill"], []], ["print", "mill"])
    r = reach(fi, di, towns, radius_km=50)
    total = 8000.0
    assert r.stated[10] == pytest.approx(500 / total)  # Lyon only: Annecy is ~90 km away
    assert r.probable[10] == pytest.approx(500 / total)
    assert r.stated[11] == 0.0 and r.probable[11] == pytest.approx(2000 / total)
    assert r.stated[12] == 0.0 and r.probable[12] == 0.0  # no one place does both
    assert 13 not in r.stated  # no requirements: not judged
    wider = reach(fi, di, towns, radius_km=120)
    assert wider.stated[10] == pytest.approx(1000 / total)  # Annecy now within reach


def test_babel_numbers_in_both_languages() -> None:
    assert numbers.num(1234.5, 1, "en") == "1,234.5"
    assert numbers.num(1234.5, 1, "fr") == "1\u202f234,5"
    assert numbers.pct(0.125, 1, "fr") == "12,5\u00a0%"
    assert numbers.pct(None) == "–"
    assert numbers.country("DE", "fr") == "Allemagne" and numbers.country("DE") == "Germany"
    assert numbers.date("2026-12-01", "fr") == "1 déc. 2026"


def test_sector_truth_has_enough_labels_and_scores_pairs() -> None:
    from refaire.observatory.sector_accuracy import score, truth

    labelled = truth()
    bases = [b for _s, b in labelled.values()]
    assert len(labelled) >= 200 and bases.count("cpc") >= 30
    pairs = {
        "a": (frozenset({"H"}), {"H": 0.8, "G": 0.55}),
        "b": (frozenset({"A", "B"}), {"A": 0.65}),
        "c": (frozenset(), {"F": 0.9}),  # not a design of any sector: any guess is wrong
    }
    low = score(pairs, 0.5)
    assert (low["true_positive"], low["false_positive"], low["false_negative"]) == (2, 2, 1)
    assert low["precision"] == 0.5 and low["recall"] == pytest.approx(2 / 3, abs=1e-3)
    high = score(pairs, 0.7)
    assert (high["true_positive"], high["false_positive"], high["false_negative"]) == (1, 1, 2)


def test_sector_accuracy_measured_on_labelled_designs_in_the_registry(tmp_path) -> None:
    from refaire.model import Design, Note, Provenance
    from refaire.observatory.figures import dashboard
    from refaire.store import open_store
    from refaire.store.designs import save_designs

    def design(key: str, **kw) -> Design:
        prov = Provenance(source=key, format="okh-losh", checksum=key, imported_at="2025-01-01")
        return Design(key=key, name=kw.pop("name"), format="okh-losh", provenance=prov, **kw)

    store = open_store(str(tmp_path / "acc.db"))
    notes = [Note("sectors", "t", "H (confidence 0.80)", "inferred"),
             Note("sectors", "t", "G (confidence 0.55)", "inferred")]  # fmt: skip
    save_designs(
        store,
        [
            # labelled H by hand; inferred H (0.80) and G (0.55)
            design("oshwa:US001010", name="Bluetooth modem", sectors=["H", "G"], notes=notes),
            # declared CPC D03D (section D): the classifier is run on its text
            design(
                "https://gitlab.com/OSEGermany/ohloom#ohloom",
                name="OHLOOM",
                description="a loom for weaving textiles",
                cpc=["D03D 35/00"],
                sectors=["D03", "D"],
            ),
        ],
    )
    acc = dashboard(store, with_coverage=False)["index_method"]["sector_accuracy"]
    assert (acc["in_registry"], acc["hand_labelled"], acc["cpc_declared"]) == (2, 1, 1)
    at = {a["threshold"]: a for a in acc["by_threshold"]}
    assert at[0.5]["false_positive"] >= 1  # G at 0.55 is wrong
    assert at[0.6]["true_positive"] >= 1 and at[0.9]["true_positive"] <= at[0.5]["true_positive"]
    store.close()


def test_runner_up_sections_keep_half_their_confidence() -> None:
    from refaire.vocab.sectors import RUNNER_UP_FACTOR, RUNNER_UP_MARGIN, settle

    got = settle({"H": 0.8, "H05": 0.8, "G": 0.6, "G01": 0.6, "B": 0.75})
    # G is clearly behind H (by more than the margin): it and its class are discounted
    assert got["G"] == pytest.approx(0.6 * RUNNER_UP_FACTOR)
    assert got["G01"] == pytest.approx(0.6 * RUNNER_UP_FACTOR)
    # B is within the margin of the best: the text does not tell them apart
    assert RUNNER_UP_MARGIN > 0.8 - 0.75 and got["B"] == 0.75 and got["H05"] == 0.8
    assert settle({"H05": 0.7}) == {"H05": 0.7}  # no section: nothing to compare


def test_inferred_sectors_settle_and_doubt_studies() -> None:
    from refaire.vocab.sectors import infer_sectors, sector_evidence

    board = dict(infer_sectors("Weather station with an electronic sensor board"))
    raw = sector_evidence("Weather station with an electronic sensor board")
    assert board["G"] == raw["G"] > raw["H"] + 0.1  # the sensor says what it is for
    assert board["H"] == pytest.approx(raw["H"] / 2, abs=0.01)  # electronics is how
    design = dict(infer_sectors("Solar panel charge controller"))
    study = dict(infer_sectors("Literature review of solar panel charge controllers"))
    assert study["H"] == pytest.approx(design["H"] * 0.6, abs=0.01)  # a study, not a design


def test_labelled_designs_split_in_fixed_halves() -> None:
    from refaire.observatory.sector_accuracy import half, truth

    halves = [half(k) for k in truth()]
    assert 80 <= halves.count(0) <= 130 and 80 <= halves.count(1) <= 130
    assert half("oshwa:US001010") == half("oshwa:US001010")


def test_sector_method_text_takes_its_figures_from_the_saved_evaluation() -> None:
    """The accuracy in the method text is the measured one (benchmarks/sector_accuracy.py
    --write), for the classifier and threshold in force: change either and this fails
    until the evaluation is run again."""
    from refaire.observatory.accuracy_text import classifier_fingerprint, measured
    from refaire.observatory.members import MIN_SECTOR_CONFIDENCE
    from refaire.observatory.methods import method

    m = measured()
    assert m["classifier"] == classifier_fingerprint(), "run benchmarks/sector_accuracy.py --write"
    assert m["threshold"] == MIN_SECTOR_CONFIDENCE
    held = next(
        r for r in m["by_half"]["held_out"]["by_threshold"] if r["threshold"] == m["threshold"]
    )
    en, fr = method("sectors", "en"), method("sectors", "fr")
    p, r = f"{held['precision']:.2f}", f"{held['recall']:.2f}"
    assert f"precision {p} and recall {r} at {m['threshold']:.1f}" in en
    assert f"précision {p} et rappel {r}".replace(".", ",") in fr
    assert f"{m['by_half']['held_out']['designs']} held-out" in en
