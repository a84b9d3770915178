"""Analytics: reports (``analytics.reports``) and planning (``analytics.planning``)."""
