"""Analytics: official statistics and reports (``analytics.reports``), built on ``render``."""
