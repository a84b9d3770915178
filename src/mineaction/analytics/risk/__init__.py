"""The contamination-risk model: where unrecorded mines are likely to be.

Modules, in the order data flows through them:

- ``table``: read a feature table (CSV or GeoPackage), its labels and groups;
  line up its columns with a trained model's.
- ``folds``: spatial blocks and group folds for honest cross-validation.
- ``normalise``: features as position within each region (``--normalise-by``).
- ``stability``: whether a feature points the same way in every group.
- ``settings``, ``calibration``, ``model``: gradient boosting (LightGBM), out-of-fold calibration,
  per-row feature contributions, a safe JSON model file.
- ``metrics``: ROC-AUC, PR-AUC, recall in the top k% of rows or area,
  reliability-diagram data.
- ``baselines``: single features, logistic regression, default boosting.
- ``evidence`` and ``grid``: a grid of cells and its features from the
  database and from user layers.
- ``maps``: cells with risk, per-hazard risk and candidate new suspected
  hazardous areas as a GeoPackage.
- ``backtest``: train on what was known before a date, score what was
  found after it.
"""
