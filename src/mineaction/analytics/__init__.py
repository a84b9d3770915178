"""Analytics: official statistics, reports and minefield-record verification, on ``render``."""

"""Analytics: reports (``analytics.reports``) and planning (``analytics.planning``)."""
