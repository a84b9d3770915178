"""Analytics: official statistics, reports and minefield-record verification, on ``render``."""
