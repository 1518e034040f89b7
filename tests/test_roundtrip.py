"""Property: whatever the validator accepts comes back from the catalog unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from atlas_registry.catalog import registrar
from atlas_registry.records import ModelRegistration
from atlas_registry.schema.validation import default_validator
from atlas_registry.store.db import Database

pytestmark = pytest.mark.slow  # Hypothesis

text = st.text(min_size=1, max_size=40)
finite = st.floats(allow_nan=False, allow_infinity=False)
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), finite, st.text(max_size=30)
)
key = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.@-]{0,20}\Z")
free_object = st.dictionaries(
    key,
    st.one_of(scalar, st.lists(scalar, max_size=4), st.dictionaries(key, scalar, max_size=3)),
    max_size=4,
)
url = st.sampled_from(
    ["https://example.org/data", "http://10.0.0.1:8080/x?y=1#z", "https://a.b/c%20d"]
)
data_reference = st.fixed_dictionaries(
    {"url": url, "description": text},
    optional={"version": st.text(min_size=1, max_size=10), "n_samples": st.integers(0, 10**9)},
)
metrics = st.dictionaries(
    st.from_regex(r"\A[a-z][a-z0-9_@.-]{0,15}\Z"),
    st.one_of(finite, st.integers(-(10**6), 10**6)),
    min_size=1,
    max_size=5,
)
internal = st.fixed_dictionaries(
    {
        "training_config": st.fixed_dictionaries(
            {"procedure": text},
            optional={"hyperparameters": free_object, "random_seed": st.integers(0, 2**31)},
        )
    },
    optional={"is_external": st.just(False)},
)
external = st.fixed_dictionaries(
    {
        "is_external": st.just(True),
        "external_source_url": url,
        "external_source_version": st.from_regex(r"\A[0-9a-f]{40}\Z") | st.just("v1.2.3"),
    }
)
payloads = st.builds(
    lambda common, variant: {**common, **variant},
    st.fixed_dictionaries(
        {
            "model_family": st.from_regex(r"\A[a-z][a-z0-9_]{1,20}\Z"),
            "framework": st.from_regex(r"\A[a-z0-9][a-z0-9_.+-]{0,20}\Z"),
            "parameter_count": st.integers(0, 10**14),
            "training_data": st.lists(data_reference, min_size=1, max_size=3),
            "evaluation_dataset": data_reference,
            "evaluation_metrics": metrics,
        },
        optional={
            "benchmark_id": st.from_regex(r"\A[a-z0-9][a-z0-9_.:-]{0,20}\Z"),
            "extensions": free_object,
        },
    ),
    st.one_of(internal, external),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(metadata=payloads)
def test_accepted_payloads_round_trip_unchanged(
    migrated_db: Database, metadata: dict[str, Any]
) -> None:
    assume(not default_validator().violations(metadata))
    registration = ModelRegistration(
        title="generated", metadata=metadata, artifact_id=f"model-{uuid.uuid4()}"
    )
    stored = registrar.register_model(migrated_db, registration)
    fetched = registrar.get_model(migrated_db, stored.id)
    assert fetched.metadata == metadata
    assert fetched.eval_metrics == metadata["evaluation_metrics"]
    assert fetched.training_params == metadata.get("training_config")
    assert fetched == stored
