"""Analytics over the records: reports, verification, forecasts and the risk model."""
