"""A registered model as a Hugging Face model card: front matter the Hub parses, and provenance.

The front matter is built with ``huggingface_hub``'s own ``ModelCardData`` and
``EvalResult`` (one result per typed metric, tied to the evaluation dataset
and the benchmark; every evaluation of the version, the registration's first,
see :mod:`card_out_results`), so the Hub's parser reads back what was written. Facts the
card format has no field for (family, parameter count, the registry id) go
under one ``atlas_registry`` key, which `import card` reads back. Every text a
user registered is escaped for Markdown and HTML in the body, its
bidirectional overrides written as escapes (:mod:`atlas_registry.schema.shown_text`).
Written to a folder, a card replaces a README.md only when it is a card of the
same line. A rejected or superseded version's card says so under its title.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from atlas_registry.catalog.evaluations import Evaluation
from atlas_registry.errors import InputError
from atlas_registry.interop.card_out_results import (
    data_id,
    evaluated_as_said,
    hub_id,
    later_results,
    model_index,
    results_of,
)
from atlas_registry.lifecycle.moves import PromotionEvent
from atlas_registry.records import Lineage, ModelRecord, short_id_of
from atlas_registry.schema.shown_text import FORMAT_CHARACTERS, visible_text
from atlas_registry.store.whole_files import read_start, target_file, written_whole

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
    unsafe = f"[<>\\s\\\\{FORMAT_CHARACTERS}]"
    return "<" + re.sub(unsafe, lambda m: quote(m.group(), safe=""), url) + ">"


@dataclass(frozen=True)
class CardFacts:
    """What the card is built from: the model, its history, lineage and base model."""

    model: ModelRecord
    history: list[PromotionEvent]
    lineage: Lineage
    base: ModelRecord | None
    # Every evaluation of the version, newest first (the registration's is the oldest).
    evaluations: Sequence[Evaluation] = ()
    # The version's effective tags (its line's, its own winning): kept exactly under
    # atlas_registry.tags, and as Hub tags (``k``, or ``k:v``) for search on the Hub.
    tags: dict[str, str] = field(default_factory=dict)
    # The version's listed files ({uri, sha256, size_bytes, role}), read back by an import.
    files: list[dict[str, Any]] = field(default_factory=list)


def _base_model(facts: CardFacts) -> str | None:
    extensions = facts.model.metadata.get("extensions") or {}
    if isinstance(extensions.get("hf_base_model"), str):
        return str(extensions["hf_base_model"])
    if facts.base is None:
        return None
    return hub_id(facts.base.external_source_url) or facts.base.id


def card_data(facts: CardFacts) -> dict[str, Any]:
    """The card's front matter as the Hub's ``ModelCardData`` writes it, its text made shown."""
    from huggingface_hub import ModelCardData

    model = facts.model
    metadata = model.metadata
    evaluation = metadata.get("evaluation_dataset") or {}
    dataset = data_id(evaluation) or "unnamed"
    benchmark = model.benchmark_id
    extensions = metadata.get("extensions") or {}
    evaluated = evaluated_as_said(metadata, dataset)
    hf_task = str(extensions.get("hf_task") or "other")
    task = str(evaluated.get("task_type") or hf_task)
    results = [
        results_of(evaluation, evaluated, model.eval_metrics or {}, task=task, benchmark=benchmark),
        *later_results(facts.evaluations, hf_task),
    ]
    framework = model.framework or ""
    name = model.line_name or model.title
    card: Any = ModelCardData(
        model_name=name,
        base_model=_base_model(facts),
        datasets=[d for d in (data_id(r) for r in metadata.get("training_data") or []) if d]
        or None,
        library_name=HUB_LIBRARY.get(framework, framework) or None,
        tags=[t for t in ("atlas-registry", model.model_family) if t]
        + [f"{k}:{v}" if v else k for k, v in facts.tags.items()],
        atlas_registry={
            "id": model.id,
            "version": model.version_number,
            "model_family": model.model_family,
            "framework": framework,
            "parameter_count": metadata.get("parameter_count"),
            "benchmark_id": benchmark,
            "promotion_state": model.promotion_state,
            **({"tags": facts.tags} if facts.tags else {}),
            **({"files": facts.files} if facts.files else {}),
        },
    )
    data: dict[str, Any] = card.to_dict()
    index = model_index(name, results)
    if index:  # where ModelCardData puts it, in place of its model_name
        del data["model_name"]
        data["model-index"] = index
    return {shown(k): shown(v) for k, v in data.items()}


def shown(value: Any) -> Any:
    """Every string of the front matter, keys too, as the other outputs show stored text.

    A card is read by people, on the Hub and in editors: a data set's title with
    U+202E reorders what follows it there as anywhere. YAML would keep the
    character as it is, so it is written as its escape (``\\u202e``) like on the
    pages and in the terminal; such text does not come back from `import card`
    as registered, but as its visible escape.
    """
    if isinstance(value, str):
        return visible_text(value)
    if isinstance(value, dict):
        return {shown(k): shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    return value


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
    line = facts.model.line_name
    for entry in facts.lineage.versions:
        marker = " (this card)" if entry.id == facts.model.id else ""
        named = f"{code(f'{line}@{entry.version_number}')} " if line else ""
        lines.append(f"- version {entry.version_number}: {named}{code(entry.id)}{marker}")
    for entry in facts.lineage.ancestors:
        lines.append(f"- fine-tuned from {code(entry.id)} ({text(entry.title)})")
    return lines


def _line_of(model: ModelRecord) -> str:
    if not model.line_name:
        return ""
    return f", version {model.version_number} of line {code(model.line_name)}"


def card_notice(facts: CardFacts) -> str | None:
    """Why a card's version is not the one to use, when it is rejected or superseded.

    ``card NAME`` exports the line's latest version, which may have been
    rejected; a card passed on without a word would present it as the model.
    """
    model = facts.model
    if model.promotion_state not in ("rejected", "superseded"):
        return None
    name = model.line_name
    this = f"{name}@{model.version_number}" if name else f"version {model.version_number}"
    promoted = [e for e in facts.lineage.versions if e.promotion_state == "promoted"]
    then = (
        f"; the promoted version is {name}@{promoted[0].version_number}"
        if promoted and name
        else (f"; the promoted version is {short_id_of(promoted[0].id)}" if promoted else "")
    )
    return f"This card describes {this}, which is {model.promotion_state}{then}."


def model_card_text(facts: CardFacts) -> str:
    """The card as README.md text: front matter, then a body of escaped facts.

    Not passed through ``ModelCard``: its parser would read the model-index back
    into ``EvalResult``s and merge results that differ only in their benchmark.
    """
    model = facts.model
    notice = card_notice(facts)
    body = [
        f"# {text(model.title)}",
        "",
        *([f"> **Not the version to use.** {text(notice)}", ""] if notice else []),
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
    # As huggingface_hub's own to_yaml writes it.
    front = yaml.dump(card_data(facts), sort_keys=False, allow_unicode=True).strip()
    return f"---\n{front}\n---\n\n" + "\n".join(body) + "\n"


@dataclass(frozen=True)
class CardExport:
    """A card as exported: its text, the version it describes, and any notice about it."""

    text: str
    model_id: str
    notice: str | None  # set when the version is rejected or superseded

    def to_dict(self) -> dict[str, Any]:
        return {"card": self.text, "model_id": self.model_id, "notice": self.notice}


# How a person names a version by its id (``line@N``), or None for an id the catalog lacks.
VersionNamer = Callable[[str], str | None]


def export_card(
    facts: CardFacts, folder: Path | None, *, force: bool, name_of: VersionNamer | None = None
) -> CardExport:
    """The card of ``facts``, written to ``folder/README.md`` when a folder is given.

    ``name_of`` names the model of a card a refusal to replace it speaks of.
    """
    card = model_card_text(facts)
    if folder is not None:
        write_card_file(folder, facts, card, force=force, name_of=name_of)
    return CardExport(card, facts.model.id, card_notice(facts))


# A card this registry wrote: front matter that opens with "---" and holds the registry's block.
_ATLAS_CARD = re.compile(r"\A---\n(?:(?!---\n).*\n)*?atlas_registry:\n  id: ([^\n]*)\n")


# How much of an existing README.md is read to find the card's id: more than the front
# matter of a card with the schema's 100 metrics, never a whole large file.
_FRONT_MATTER_BYTES = 1 << 20


def card_model_of(existing: str) -> str | None:
    """The registry id a card this registry wrote names, or None for any other file."""
    found = _ATLAS_CARD.match(existing)
    return found.group(1).strip().strip("'\"") if found else None


def write_card_file(
    folder: Path,
    facts: CardFacts,
    text: str,
    *,
    force: bool,
    name_of: VersionNamer | None = None,
) -> None:
    """Write ``folder/README.md`` whole, replacing only a card of the same line (or ``force``).

    ``--out .`` in a project's own folder would otherwise replace its README
    with no word, and ``--out cards/`` another model's card.
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{folder} is not a folder (it is a file, a device or a pipe): "
            "give the folder to write README.md in"
        )
    try:
        target = target_file(folder / "README.md")  # a device is refused before it is read
        if target.exists() and not force:
            _refuse_foreign(target, facts, name_of or (lambda _: None))
        with written_whole(target) as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write the card to {folder}: {exc}") from exc


def _refuse_foreign(target: Path, facts: CardFacts, name_of: VersionNamer) -> None:
    """Refuse to replace a file that is not a card of one of this line's versions.

    The other model is named as a person names it (``line@N``); an id the
    catalog does not hold (a card from another registry) is shown as written.
    """
    # The registry's block is in the front matter, near the top; the file may have become
    # a pipe or a device since it was looked at, which read_start refuses unread.
    head = read_start(str(target), _FRONT_MATTER_BYTES)
    named = card_model_of(head.decode("utf-8", errors="replace"))
    if named is None:
        raise InputError(
            f"{target} exists and is not a model card this registry wrote; "
            "pass --force to replace it, or choose another --out"
        )
    own = {entry.id for entry in facts.lineage.versions} | {facts.model.id}
    if named not in own:
        other = (
            name_of(named) or f"a model this catalog does not hold ({visible_text(named)[:200]})"
        )
        this = facts.model.line_name or short_id_of(facts.model.id)
        raise InputError(
            f"{target} is the card of another model, {other}, not of a version of {this}; "
            "pass --force to replace it, or choose another --out"
        )
