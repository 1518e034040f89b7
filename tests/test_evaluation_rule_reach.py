"""Which versions an ``[evaluations."B"]`` rule reaches: those registered on B, and the
lines and model families it names.

A policy asking for a speech-recognition result must not stop a clinical
model, registered on another benchmark, from being promoted, rolled back or
given a gated alias; a rule that should reach such a model says so by its
line or its family.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_registry import ConfigurationError, PromotionGateError, Registry
from atlas_registry.lifecycle.policy import parse_policy
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.test_evaluations import _evaluate, _version

SPEECH = """
[gate]
require_reproducibility_pin = true

[evaluations."librispeech-other-v1"]
metric = "wer"
maximum = 0.2
{reach}

[aliases.canary]
require_gate = true
"""
LINE = "ad-risk-predictor"  # registered on adni-conversion-v1


def _policy(reach: str = "") -> str:
    return SPEECH.replace("{reach}", reach)


def test_a_rule_on_another_benchmark_leaves_a_line_alone(migrated_url: str, tmp_path: Path) -> None:
    policy = parse_policy(_policy(), "speech.toml")
    with Registry.open(migrated_url, policy=policy) as registry:
        for _ in range(3):
            _version(registry, LINE)
        for number in (1, 2, 3):
            registry.promote(f"{LINE}@{number}", actor="release")
        back = registry.rollback(LINE, to_version=1, actor="release", notes="v3 drifts")
        assert back.model.version_number == 1
        moved = registry.set_alias(LINE, "canary", to_version=2, actor="release")
        assert moved.changed
        # A version registered on the rule's benchmark is held to it.
        speech = _version(registry, "whisper-nl", benchmark_id="librispeech-other-v1")
        with pytest.raises(PromotionGateError) as refused:
            registry.promote(speech, actor="release")
        assert refused.value.paths == ["evaluations.librispeech-other-v1.wer"]
    # The same from the command line, with the policy in a file.
    file = tmp_path / "speech.toml"
    file.write_text(_policy(), "utf-8")
    policy_file = ["--policy", str(file), "--db", migrated_url]
    code, _, err = invoke("rollback", LINE, "--to", "3", "--notes", "v1 is no better", *policy_file)
    assert code == 0, err
    code, _, err = invoke("promote", speech, *policy_file)
    assert code == 8
    assert "evaluations.librispeech-other-v1.wer" in err


def test_a_rule_reaches_the_lines_and_families_it_names(migrated_url: str) -> None:
    reach_line = parse_policy(_policy(f'lines = ["{LINE}"]'), "lines.toml")
    reach_family = parse_policy(_policy('model_families = ["logistic_regression"]'), "f.toml")
    with Registry.open(migrated_url) as setup:
        add_artifact(setup.database, "dataset-holdout", "dataset")
        named = _version(setup, LINE)
        other = _version(setup, "other-line")
    with Registry.open(migrated_url, policy=reach_line) as registry:
        with pytest.raises(PromotionGateError, match="record an evaluation on librispeech"):
            registry.promote(named, actor="release")
        assert registry.promote(other, actor="release").model.promotion_state == "promoted"
        _evaluate(registry, named, benchmark_id="librispeech-other-v1", metrics={"wer": 0.3})
        with pytest.raises(PromotionGateError, match=r"0\.3 is above the maximum 0\.2"):
            registry.promote(named, actor="release")
    with Registry.open(migrated_url, policy=reach_family) as registry:
        # Every logistic_regression version now, whatever its line.
        third = _version(registry, "third-line")
        with pytest.raises(PromotionGateError, match="librispeech-other-v1"):
            registry.promote(third, actor="release")
        _evaluate(registry, named, benchmark_id="librispeech-other-v1", metrics={"wer": 0.1})
        assert registry.promote(named, actor="release").model.promotion_state == "promoted"


@pytest.mark.parametrize(
    ("reach", "said"),
    [
        ('lines = "ad-risk"', "lines must be a list of names, each a line name"),
        ("lines = []", "lines must be a list of names"),
        ('lines = ["AD Risk"]', "lines names 'AD Risk': each must be a line name"),
        ('model_families = ["Logistic"]', "each must be a model family"),
    ],
)
def test_a_reach_that_names_nobody_is_refused_when_the_file_is_read(reach: str, said: str) -> None:
    with pytest.raises(ConfigurationError, match=said):
        parse_policy(_policy(reach), "p.toml")
