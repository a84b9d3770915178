"""Analytics: official statistics and reports (``analytics.reports``) and minefield-record
verification (``analytics.verification``), built on ``render``."""
