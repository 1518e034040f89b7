"""A registered model as a Hugging Face model card: front matter the Hub parses, and provenance.

The front matter is built with ``huggingface_hub``'s own ``ModelCardData`` and
``EvalResult`` (one result per typed metric, tied to the evaluation dataset
and the benchmark), so the Hub's parser reads back what was written. Facts the
card format has no field for (family, parameter count, the registry id) go
under one ``atlas_registry`` key, which `import card` reads back. Every text a
user registered is escaped for Markdown and HTML in the body, its
bidirectional overrides written as escapes (:mod:`atlas_registry.shown_text`).
Written to a folder, a card replaces a README.md only when it is a card too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from atlas_registry.errors import InputError
from atlas_registry.lifecycle import PromotionEvent
from atlas_registry.records import Lineage, ModelRecord
from atlas_registry.shown_text import BIDI_CONTROLS, visible_text
from atlas_registry.whole_files import written_whole

HUB_HOST = "huggingface.co"
# Registry framework names and the Hub's library names, where they differ.
HUB_LIBRARY = {"huggingface-transformers": "transformers"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~<&])")


def _one_line(value: Any) -> str:
    """Control characters as spaces, runs of space as one, overrides as visible escapes."""
    return visible_text(" ".join(_CONTROL.sub(" ", str(value)).split()))


def text(value: Any) -> str:
    """User text as inert Markdown: every character Markdown or HTML gives meaning escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(value))


def code(value: Any) -> str:
    """User text as a code span (no Markdown or HTML inside one); backticks cannot end it."""
    return "`" + _one_line(value).replace("`", "'") + "`"


def link(url: str) -> str:
    """An http(s) URL as a Markdown link target that nothing in it can break out of or reorder."""
    unsafe = f"[<>\\s\\\\{BIDI_CONTROLS}]"
    return "<" + re.sub(unsafe, lambda m: quote(m.group(), safe=""), url) + ">"


def hub_id(url: str | None, kind: str = "") -> str | None:
    """``org/name`` of a huggingface.co URL (``kind='datasets'`` for a data set), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.hostname or "").lower() != HUB_HOST:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if kind:
        if not segments or segments[0] != kind:
            return None
        segments = segments[1:]
    elif segments and segments[0] in {"datasets", "spaces"}:
        return None
    return "/".join(segments[:2]) or None  # "org/name", or a legacy one-part id


def _data_id(reference: dict[str, Any]) -> str:
    """How a card names a data set: its Hub id, else its URL, else its catalog id."""
    url = reference.get("url")
    return hub_id(url, "datasets") or url or reference.get("artifact_id") or ""


@dataclass(frozen=True)
class CardFacts:
    """What the card is built from: the model, its history, lineage and base model."""

    model: ModelRecord
    history: list[PromotionEvent]
    lineage: Lineage
    base: ModelRecord | None


def _base_model(facts: CardFacts) -> str | None:
    extensions = facts.model.metadata.get("extensions") or {}
    if isinstance(extensions.get("hf_base_model"), str):
        return str(extensions["hf_base_model"])
    if facts.base is None:
        return None
    return hub_id(facts.base.external_source_url) or facts.base.id


def card_data(facts: CardFacts) -> Any:
    from huggingface_hub import EvalResult, ModelCardData

    model = facts.model
    metadata = model.metadata
    evaluation = metadata.get("evaluation_dataset") or {}
    dataset = _data_id(evaluation) or "unnamed"
    benchmark = model.benchmark_id
    extensions = metadata.get("extensions") or {}
    task = str(extensions.get("hf_task") or "other")
    results = [
        EvalResult(
            task_type=task,
            task_name=benchmark,
            dataset_type=dataset,
            dataset_name=str(evaluation.get("description") or dataset),
            metric_type=name,
            metric_value=value,
        )
        for name, value in sorted((model.eval_metrics or {}).items())
    ]
    framework = model.framework or ""
    return ModelCardData(
        model_name=model.line_name or model.title,
        base_model=_base_model(facts),
        datasets=[d for d in (_data_id(r) for r in metadata.get("training_data") or []) if d]
        or None,
        library_name=HUB_LIBRARY.get(framework, framework) or None,
        tags=[t for t in ("atlas-registry", model.model_family) if t],
        eval_results=results or None,
        atlas_registry={
            "id": model.id,
            "version": model.version_number,
            "model_family": model.model_family,
            "framework": framework,
            "parameter_count": metadata.get("parameter_count"),
            "benchmark_id": benchmark,
            "promotion_state": model.promotion_state,
        },
    )


def _provenance(facts: CardFacts) -> list[str]:
    model = facts.model
    lines = ["## Provenance", ""]
    if model.is_external:
        lines.append(
            f"- Source: {link(model.external_source_url or '')} at revision "
            f"{code(model.external_source_version)}"
        )
    elif model.code_repo_url and model.code_commit_sha:
        repo = model.code_repo_url.rstrip("/").removesuffix(".git")
        commit = link(f"{repo}/commit/{model.code_commit_sha}")
        lines.append(f"- Code: [{text(model.code_commit_sha)}]({commit}) of {link(repo)}")
        if model.code_entrypoint:
            lines.append(f"- Entrypoint: {code(model.code_entrypoint)}")
    else:
        lines.append("- Code: no code pin is recorded")
    window = [model.training_started_at, model.training_completed_at]
    if any(window):
        lines.append(f"- Trained: {text(window[0] or '?')} to {text(window[1] or '?')} (UTC)")
    if model.trained_by:
        lines.append(f"- Trained by: {text(model.trained_by)}")
    return lines


def _lifecycle(facts: CardFacts) -> list[str]:
    lines = ["", "## Promotion", "", f"State: **{text(facts.model.promotion_state)}**", ""]
    for event in facts.history:
        override = " (gate overridden)" if event.override else ""
        notes = f": {text(event.notes)}" if event.notes else ""
        lines.append(
            f"- {text(event.created_at)} {text(event.from_state)} → {text(event.to_state)} "
            f"by {text(event.actor)}{override}{notes}"
        )
    return lines


def _lineage(facts: CardFacts) -> list[str]:
    lines = ["", "## Lineage", ""]
    for entry in facts.lineage.versions:
        marker = " (this card)" if entry.id == facts.model.id else ""
        lines.append(f"- version {entry.version_number}: {code(entry.id)}{marker}")
    for entry in facts.lineage.ancestors:
        lines.append(f"- fine-tuned from {code(entry.id)} ({text(entry.title)})")
    return lines


def _line_of(model: ModelRecord) -> str:
    if not model.line_name:
        return ""
    return f", version {model.version_number} of line {code(model.line_name)}"


def model_card_text(facts: CardFacts) -> str:
    """The card as README.md text: front matter, then a body of escaped facts."""
    from huggingface_hub import ModelCard

    model = facts.model
    body = [
        f"# {text(model.title)}",
        "",
        text(model.description) if model.description else "",
        "",
        f"Registered in Atlas Model Registry as {code(model.id)}"
        + (
            f", version {model.version_number} of line {code(model.line_name)}."
            if model.line_name
            else "."
        ),
        "",
        *_provenance(facts),
        *_lifecycle(facts),
        *_lineage(facts),
    ]
    front = card_data(facts).to_yaml()
    return str(ModelCard(f"---\n{front}\n---\n\n" + "\n".join(body) + "\n").content)


# A card this registry wrote: front matter that opens with "---" and holds the registry's block.
_ATLAS_CARD = re.compile(r"\A---\n(?:(?!---\n).*\n)*?atlas_registry:\n  id: ")


def write_card_file(folder: Path, text: str, *, force: bool) -> None:
    """Write ``folder/README.md`` whole, replacing only a card written before (or ``force``).

    ``--out .`` in a project's own folder would otherwise replace its README
    with no word.
    """
    target = folder / "README.md"
    try:
        if target.exists() and not force:
            existing = target.read_text("utf-8", errors="replace")
            if not _ATLAS_CARD.match(existing):
                raise InputError(
                    f"{target} exists and is not a model card this registry wrote; "
                    "pass --force to replace it, or choose another --out"
                )
        with written_whole(target) as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write the card to {folder}: {exc}") from exc
