"""Analytics: computations over the records (planning and forecasts, reports, risk)."""
