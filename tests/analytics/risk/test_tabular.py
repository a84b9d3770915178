"""Lucía, an IM officer, trains the risk model on her own feature tables.

Her tables are real-world: Spanish column names with commas and accents,
unlabelled rows marked -1, and a test table from another department that
lacks one of the training columns.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from mineaction.analytics.risk.model import RiskModel
from mineaction.analytics.risk.table import read_table

NEAR = "Distancia a eventos, km"
HEIGHT = "Elevación (m)"
NOISE = "Índice, sin señal"


def _write(path: Path, rows: int, seed: int, *, with_height: bool = True) -> Path:
    rng = np.random.default_rng(seed)
    near = rng.gamma(2.0, 2.0, rows)
    height = rng.normal(1500, 400, rows)
    noise = rng.random(rows)
    risk = 1 / (1 + np.exp(1.2 * (near - 3.0) + (height - 1500) / 400))
    label = (rng.random(rows) < risk).astype(int)
    label[rng.random(rows) < 0.15] = -1
    towns = np.array(["SONSÓN", "SAN CARLOS", "NARIÑO", "GRANADA", "COCORNÁ", "ARGELIA"])
    town = towns[rng.integers(0, len(towns), rows)]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        header = ["Municipio", "mines_outcome", NEAR, NOISE] + ([HEIGHT] if with_height else [])
        w.writerow(header)
        for i in range(rows):
            row = [town[i], label[i], round(near[i], 3), round(noise[i], 3)]
            w.writerow(row + ([round(height[i], 1)] if with_height else []))
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lucia")
    return {
        "train": _write(folder / "antioquia.csv", 1200, seed=1),
        "test": _write(folder / "caldas.csv", 500, seed=2, with_height=False),
        "folder": folder,
    }


@pytest.fixture(scope="module")
def model_file(tables: dict[str, Path]) -> Path:
    from mineaction.cli import main

    path = tables["folder"] / "modelo.json"
    try:
        main(
            [
                "risk",
                "train",
                "--features",
                str(tables["train"]),
                "--label",
                "mines_outcome",
                "--group",
                "Municipio",
                "--output",
                str(path),
            ]
        )
    except SystemExit as exc:
        assert exc.code in (0, None)
    return path


def test_she_trains_on_names_with_commas_and_accents(model_file: Path) -> None:
    model = RiskModel.load(model_file)
    assert set(model.features) == {NEAR, NOISE, HEIGHT}
    assert model.cv["held_out"] == "held out by 'Municipio'"
    assert model.cv["groups"] == 6
    # The signal is real: cross-validation by town sees it.
    assert model.cv["roc_auc"] > 0.7


def test_unlabelled_rows_are_not_trained_on(model_file: Path, tables: dict[str, Path]) -> None:
    table = read_table(tables["train"])
    labels = table.frame["mines_outcome"].to_numpy()
    model = RiskModel.load(model_file)
    assert model.training["labelled"] == int((labels != -1).sum())
    assert model.training["unlabelled"] == int((labels == -1).sum())
    assert model.training["positives"] == int((labels == 1).sum())
    assert model.cv["n"] == int((labels != -1).sum())


def test_the_model_file_is_json_with_a_text_model_inside(model_file: Path) -> None:
    body = json.loads(model_file.read_text(encoding="utf-8"))
    assert body["format"] == "mineaction-risk-model"
    assert body["booster"].startswith("tree")
    assert body["features"] == RiskModel.load(model_file).features


def test_evaluate_names_the_columns_the_test_table_lacks(run, model_file, tables) -> None:
    result = run(
        "risk",
        "evaluate",
        "--model",
        str(model_file),
        "--features",
        str(tables["test"]),
        "--label",
        "mines_outcome",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    assert {"roc_auc", "pr_auc", "recall_top10", "recall_top20", "n", "positives"} <= set(figures)
    assert figures["missing_columns"] == [HEIGHT]
    labels = read_table(tables["test"]).frame["mines_outcome"].to_numpy()
    assert figures["n"] == int((labels != -1).sum())
    assert figures["positives"] == int((labels == 1).sum())
    assert figures["unlabelled_excluded"] == int((labels == -1).sum())
    assert figures["roc_auc"] > 0.65


def test_predict_writes_risk_and_the_reasons(run, model_file, tables) -> None:
    out = tables["folder"] / "riesgo.csv"
    result = run(
        "risk",
        "predict",
        "--model",
        str(model_file),
        "--features",
        str(tables["train"]),
        "--output",
        str(out),
        "--explain",
        "2",
    )
    assert result.code == 0, result.err
    written = read_table(out).frame
    assert len(written) == 1200
    assert written["risk"].between(0, 1).all()
    assert set(written["why_1"]) <= {NEAR, NOISE, HEIGHT}
    # The nearer a place is to past events, the riskier, on average.
    near = written[NEAR].to_numpy()
    risk = written["risk"].to_numpy()
    assert risk[near < 2].mean() > risk[near > 6].mean()


def test_contributions_add_up_to_the_model_log_odds(model_file, tables) -> None:
    model = RiskModel.load(model_file)
    frame = read_table(tables["train"]).frame
    x, _ = model.matrix(frame)
    assert np.allclose(model.contributions(frame).sum(axis=1), model.raw(x))


def test_calibrated_risk_matches_the_observed_rate(model_file) -> None:
    model = RiskModel.load(model_file)
    rows = model.cv["reliability"]
    predicted = sum(r["mean_predicted"] * r["n"] for r in rows) / sum(r["n"] for r in rows)
    observed = sum(r["observed"] * r["n"] for r in rows) / sum(r["n"] for r in rows)
    assert predicted == pytest.approx(observed, abs=0.03)


def test_it_refuses_a_label_that_is_not_1_0_or_minus_1(run, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Municipio,resultado,d\nA,1,0.5\nB,si,0.7\nC,0,0.1\n", encoding="utf-8")
    result = run(
        "risk",
        "train",
        "--features",
        str(bad),
        "--label",
        "resultado",
        "--group",
        "Municipio",
        "--output",
        str(tmp_path / "m.json"),
    )
    assert result.code == 1
    assert "bad.csv" in result.err and "row 3" in result.err and "resultado" in result.err
    assert "Traceback" not in result.err


def test_it_refuses_a_file_that_is_not_a_model(run, tmp_path, tables) -> None:
    fake = tmp_path / "model.json"
    fake.write_text('{"hello": 1}', encoding="utf-8")
    result = run(
        "risk",
        "evaluate",
        "--model",
        str(fake),
        "--features",
        str(tables["test"]),
        "--label",
        "mines_outcome",
    )
    assert result.code == 1
    assert "not a mineaction risk model" in result.err


def test_it_says_how_to_hold_out_places_when_it_cannot_tell(run, tmp_path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("label,d\n1,0.5\n0,0.7\n", encoding="utf-8")
    result = run(
        "risk",
        "train",
        "--features",
        str(plain),
        "--label",
        "label",
        "--output",
        str(tmp_path / "m.json"),
    )
    assert result.code == 1
    assert "--group" in result.err and "--coords" in result.err


def test_tuning_keeps_the_candidate_cross_validation_likes_best(run, tables) -> None:
    path = tables["folder"] / "afinado.json"
    result = run(
        "risk",
        "train",
        "--features",
        str(tables["train"]),
        "--label",
        "mines_outcome",
        "--group",
        "Municipio",
        "--tune",
        "--folds",
        "3",
        "--output",
        str(path),
    )
    assert result.code == 0, result.err
    tuning = RiskModel.load(path).cv["tuning"]
    assert len(tuning["candidates"]) == 12
    best = max(tuning["candidates"].values(), key=lambda f: f["roc_auc"])["roc_auc"]
    assert tuning["candidates"][tuning["chosen"]]["roc_auc"] == best
