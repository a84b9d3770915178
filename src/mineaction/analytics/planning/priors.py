"""Documented priors: what planning assumes where the database's own history is thin.

These are deliberately round planning figures for a mixed national programme,
not measurements; every output that used one says so (``source: "prior"``).
Replace them with your own programme's figures by giving the history they
come from (progress reports), or by editing the capacity file.
"""

from __future__ import annotations

#: m² per team-day by method, used when a method has too little history.
RATE_M2_PER_TEAM_DAY: dict[str, float] = {
    "nts": 20_000.0,
    "ts": 2_500.0,
    "clearance_manual": 300.0,
    "clearance_mechanical": 3_000.0,
    "clearance_dogs": 1_200.0,
    "bac": 6_000.0,
    "eod": 1_000.0,
}
#: Spread (standard deviation of the log) of a run's average rate when history is thin.
SIGMA_RUN = 0.5
#: Spread of one month's rate about the run's average when history is thin.
SIGMA_MONTH = 0.35
#: Team-days a team works in a week when the database cannot say.
TEAM_DAYS_PER_WEEK = 4.0

#: Below this many team-days a cell (method, operator or contamination) is "thin".
THIN_TEAM_DAYS = 30.0
#: Pseudo team-days of the method's figure mixed into an operator's or contamination's figure.
SHRINK_TEAM_DAYS = 20.0
#: Pseudo team-days of "no seasonal effect" mixed into each month's factor.
SHRINK_SEASON_TEAM_DAYS = 50.0

#: How the remaining area of a hazard is expected to be released, by contamination,
#: when the history of releases does not say: share of area by method.
METHOD_MIX: dict[str, dict[str, float]] = {
    "ap_mines": {"nts": 0.3, "ts": 0.3, "clearance_manual": 0.25, "clearance_mechanical": 0.15},
    "mixed_mines": {"nts": 0.3, "ts": 0.3, "clearance_manual": 0.2, "clearance_mechanical": 0.2},
    "at_mines": {"nts": 0.3, "ts": 0.3, "clearance_mechanical": 0.3, "clearance_manual": 0.1},
    "uxo": {"nts": 0.3, "ts": 0.2, "bac": 0.5},
    "cluster_munitions": {"nts": 0.2, "ts": 0.3, "bac": 0.5},
    "ied": {"nts": 0.2, "ts": 0.3, "clearance_manual": 0.5},
}
#: When a release names no activity, the method that released it.
RELEASE_METHOD_TO_ACTIVITY = {"cancelled": "nts", "reduced": "ts", "cleared": "clearance_manual"}
