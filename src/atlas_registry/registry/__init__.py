"""The one handle every shell holds: :class:`Registry`, and :class:`SchemaAdmin` for schema work.

:mod:`.handle` opens them; their verbs are split by concern, each class adding
one part: the shared state and model references (:mod:`.base`), the catalog
and the lifecycle (:mod:`.catalog_verbs`), the features (:mod:`.feature_verbs`).
"""

from atlas_registry.registry.handle import Registry, SchemaAdmin

__all__ = ["Registry", "SchemaAdmin"]
