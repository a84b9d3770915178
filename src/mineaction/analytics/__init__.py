"""Analytics: official statistics, reports and minefield-record verification, on ``render``."""

"""Analytics: reports (``analytics.reports``) and planning (``analytics.planning``)."""

"""Analytics over the records: reports, verification, forecasts and the risk model."""
