"""``evaluate``: add an evaluation to a registered version; ``evaluations``: list a version's."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atlas_registry import Evaluation, EvaluationInput, Registry, metrics_from_pairs, read_document
from atlas_registry.cli.common import DbOption, JsonOption, call, call_reading, stdout, table
from atlas_registry.cli.evaluation_table import print_table
from atlas_registry.cli.lifecycle import ACTOR_ENV_VAR, actor_name
from atlas_registry.cli.models import ModelId

ByOption = Annotated[
    str | None,
    typer.Option("--by", help=f"Who evaluated. Default: ${ACTOR_ENV_VAR}, else the login name."),
]


def evaluate(
    model_id: ModelId,
    benchmark: Annotated[
        str | None, typer.Option("--benchmark", help="The benchmark id, e.g. adni-conversion-v1.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="The catalog id of the evaluation dataset.")
    ] = None,
    revision: Annotated[
        str | None,
        typer.Option(
            "--dataset-revision",
            help="The dataset's revision or digest (default: the one its catalog entry names).",
        ),
    ] = None,
    split: Annotated[str | None, typer.Option("--split", help="The split, e.g. test.")] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="NAME=VALUE, once per metric.")
    ] = None,
    harness_repo: Annotated[
        str | None, typer.Option("--harness-repo", help="The evaluation harness's repository URL.")
    ] = None,
    harness_commit: Annotated[
        str | None, typer.Option("--harness-commit", help="The harness's commit SHA.")
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Anything worth keeping.")] = None,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="A JSON file (or - for standard input) holding the evaluation's fields; "
            "an option given on the command line wins over the file.",
        ),
    ] = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an evaluation to a registered version: a benchmark, a catalog dataset, metrics.

    The version keeps every evaluation (its registration's metrics are the
    first); leaderboards rank each version's newest. A metric that is not a
    finite number, an empty metric set, or a dataset the catalog does not hold
    as a dataset is refused, naming the field, and nothing is written.
    """

    def read() -> EvaluationInput:
        found = read_document(from_file) if from_file is not None else {}
        if not isinstance(found, dict):
            return EvaluationInput.from_dict(found)  # refused: an evaluation is an object
        given = {
            "benchmark_id": benchmark,
            "dataset_id": dataset,
            "dataset_revision": revision,
            "split": split,
            "harness_repo_url": harness_repo,
            "harness_commit_sha": harness_commit,
            "notes": notes,
        }
        document = {**found, **{k: v for k, v in given.items() if v is not None}}
        if metric:
            earlier = document.get("metrics")
            earlier = earlier if isinstance(earlier, dict) else {}
            document["metrics"] = {**earlier, **metrics_from_pairs(metric)}
        return EvaluationInput.from_dict(document)

    def work(registry: Registry, given: EvaluationInput) -> Evaluation:
        return registry.add_evaluation(model_id, given, by=actor_name(by))

    def render(added: Evaluation) -> None:
        stdout.print(f"recorded evaluation {added.id} of {added.model_id}:")
        _print(added)

    call_reading(db, as_json, read, work, render)


def evaluations(
    model_id: ModelId,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every evaluation of one version, newest first; the first is its registration's metrics."""
    call(db, as_json, lambda registry: registry.evaluations(model_id, limit=limit), print_table)


def _print(added: Evaluation) -> None:
    harness = (
        f"{added.harness_repo_url} @ {added.harness_commit_sha}" if added.harness_repo_url else None
    )
    fields: list[list[Any]] = [
        ["benchmark", added.benchmark_id],
        ["data", added.data],
        ["split", added.split],
        *([metric, f"{value:g}"] for metric, value in added.metrics.items()),
        ["evaluated by", added.evaluated_by],
        ["at (UTC)", added.created_at],
        ["harness", harness],
    ]
    stdout.print(table(None, ["field", "value"], [row for row in fields if row[1] is not None]))
