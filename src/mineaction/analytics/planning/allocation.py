"""The order in which teams work the hazards: by priority, or optimised for projects.

Each method's teams work down one queue.  By default the queue is the
priority ranking.  Optimised (OR-Tools CP-SAT), the hazards blocking the
projects that can be made ready by their planned start come first, earliest
deadline first, and the rest follow by priority.  Which projects "can be
made ready" is the choice the solver makes: the most valuable set of
projects (priority 1 is worth most) whose blocking work, for every method
and every deadline, fits in the output the method delivers by then with the
stated confidence (the cautious quantile of the simulated output).  The
solver is stopped after ``seconds`` and its best answer so far is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Work is given to the solver in whole units of this many m².
UNIT_M2 = 100.0


@dataclass(frozen=True)
class ProjectNeed:
    """A project's blocking hazards and its deadline in months from the start."""

    name: str
    priority: int
    deadline: float
    positions: np.ndarray


@dataclass
class Optimised:
    """The optimised queue and what the solver decided."""

    order: np.ndarray
    chosen: list[str]
    status: str
    seconds: float


def priority_order(ranked_positions: list[int]) -> np.ndarray:
    """Return the queue of hazard positions in priority order (best first)."""
    return np.asarray(ranked_positions, dtype=int)


def optimise(
    *,
    ranked_positions: list[int],
    work: np.ndarray,
    cautious_output: np.ndarray,
    needs: list[ProjectNeed],
    seconds: float = 10.0,
) -> Optimised:
    """Choose the projects to make ready on time and return the queue that does it.

    ``work`` is (M, K) m² per method and hazard; ``cautious_output`` is (M, H) the
    cumulative output each method delivers by the end of each month at the
    cautious quantile.
    """
    from ortools.sat.python import cp_model

    needs = [n for n in needs if len(n.positions) and np.isfinite(n.deadline)]
    if not needs:
        return Optimised(priority_order(ranked_positions), [], "nothing to optimise", 0.0)
    model = cp_model.CpModel()
    chosen = {n.name: model.new_bool_var(f"p{i}") for i, n in enumerate(needs)}
    deadlines = sorted({n.deadline for n in needs})
    units = np.ceil(work / UNIT_M2).astype(np.int64)
    months = cautious_output.shape[1]
    for d in deadlines:
        due = {int(p) for n in needs if n.deadline <= d for p in n.positions}
        picked = {}
        for h in sorted(due):
            var = model.new_bool_var(f"h{h}_{d}")
            for n in needs:
                if n.deadline <= d and h in set(n.positions.tolist()):
                    model.add_implication(chosen[n.name], var)
            picked[h] = var
        month = int(min(max(np.floor(d) - 1, -1), months - 1))
        for m in range(work.shape[0]):
            available = 0 if month < 0 else int(cautious_output[m, month] // UNIT_M2)
            terms = [int(units[m, h]) * v for h, v in picked.items() if units[m, h] > 0]
            if terms:
                model.add(sum(terms) <= available)
    model.maximize(sum(round(1000 / max(n.priority, 1)) * chosen[n.name] for n in needs))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(seconds)
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Optimised(priority_order(ranked_positions), [], solver.status_name(status), 0.0)
    picked_needs = sorted(
        (n for n in needs if solver.value(chosen[n.name])), key=lambda n: (n.deadline, n.priority)
    )
    first: list[int] = []
    seen: set[int] = set()
    rank = {p: i for i, p in enumerate(ranked_positions)}
    for n in picked_needs:
        for p in sorted((int(x) for x in n.positions), key=rank.__getitem__):
            if p not in seen:
                first.append(p)
                seen.add(p)
    rest = [p for p in ranked_positions if p not in seen]
    return Optimised(
        np.asarray(first + rest, dtype=int),
        [n.name for n in picked_needs],
        solver.status_name(status),
        float(solver.wall_time),
    )
