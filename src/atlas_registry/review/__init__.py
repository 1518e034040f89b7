"""The human-review queue every importer holds facts in, and finishing an item.

The backfill, ``pins suggest``, the card and MLflow imports and the schema
upgrade queue what they would not guess (:mod:`.queue`); a person completes or
closes an item through the same validators as a registration (:mod:`.resolution`).
"""
