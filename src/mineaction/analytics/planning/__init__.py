"""Planning: priorities, productivity, capacity, allocation, Monte Carlo forecasts, backtest.

Each public function takes a session and one params dataclass, so that the CLI,
the API and the web pages call the same thing.
"""

from mineaction.analytics.planning.forecast import (
    Forecast,
    forecast,
    priorities_layer,
    priorities_report,
)
from mineaction.analytics.planning.forecast import model_summary as forecast_model
from mineaction.analytics.planning.params import (
    BacktestParams,
    ForecastParams,
    PriorityParams,
    Scenario,
)

__all__ = [
    "BacktestParams",
    "Forecast",
    "ForecastParams",
    "PriorityParams",
    "Scenario",
    "forecast",
    "forecast_model",
    "priorities_layer",
    "priorities_report",
]
