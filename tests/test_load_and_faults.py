"""Sixteen clients write through two servers while PostgreSQL keeps cutting their connections.

Two ``serve`` processes share one PostgreSQL database. Sixteen clients register
versions in four shared lines and promote some, every write with an
Idempotency-Key, retrying a 503 or a lost connection with the same key and
body. Meanwhile the database ends every session of the servers, a round every
100 to 300 ms once a few more writes were acknowledged (so the faults keep pace
with the writes on a fast machine and a slow one alike, rather than ending
every write of a slow one), and after each round the servers' next keyed COMMIT is saved while
its answer is lost on the way back (a proxy between servers and database
drops it): the write a server cannot know the outcome of. Afterwards the
database is read back and held against every answer: nothing acknowledged is
lost, no retry wrote twice, no line holds two promoted versions, every
history is whole, and every answer told the truth about whether the write
was saved. Then each server takes one more write: its pool
recovered without a restart.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from atlas_registry import Registry
from atlas_registry.lifecycle.transitions import TRANSITIONS
from tests.conftest import MigratedPostgres, _libpq
from tests.load_clients import Client, CommitCutter, Write, send
from tests.payloads import logistic_regression
from tests.server_helpers import call
from tests.transport_server import Served, serve

CLIENTS = 16
LINES = 4
WRITES_PER_CLIENT = 9  # registrations; every third is promoted as well
# Writes acknowledged between two rounds of faults: about 30 rounds in a run.
ACKNOWLEDGED_PER_ROUND = 6
# Each client promotes only its own new candidates, so no write here can meet a
# conflict (409): a retry answered 409 would be a saved write refused as a duplicate.
SUCCESS = {"register": 201, "promote": 200}
RETRIED = {503, None}  # None: a lost connection


class Faults:
    """Ends every other session on the database in rounds, until stopped.

    A round comes 100 to 300 ms after the last one, once ``acknowledged()``
    (the writes answered as saved so far) grew by ``ACKNOWLEDGED_PER_ROUND``:
    on a machine where a write takes longer than a pause, a fixed pace would
    end nearly every write and the run would prove little about the rest.
    After each round it also arms ``cutter``: the next keyed write to COMMIT
    is saved, and its answer lost on the way back to its server.
    """

    def __init__(self, url: str, cutter: CommitCutter, acknowledged: Callable[[], int]) -> None:
        self.url, self.cutter, self.acknowledged = url, cutter, acknowledged
        self.stop = threading.Event()
        self.rounds: list[int] = []  # sessions ended, per round
        self.random = random.Random(31)

    def _next_round_due(self, since: int) -> bool:
        """Wait for the pause and the writes a round needs; False once stopped."""
        if self.stop.wait(self.random.uniform(0.1, 0.3)):
            return False
        while self.acknowledged() - since < ACKNOWLEDGED_PER_ROUND:
            if self.stop.wait(0.01):
                return False
        return True

    def run(self) -> None:
        with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
            while self._next_round_due(self.acknowledged()):
                row = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.rounds.append(int(row[0]) if row else 0)
                self.cutter.arm()


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(_libpq(url)) as conn:
        return list(conn.execute(sql).fetchall())


@pytest.mark.slow  # two servers, sixteen clients, a fault every few hundred ms
def test_sixteen_clients_through_two_servers_while_connections_are_cut(
    migrated_postgres: MigratedPostgres, tmp_path: Path
) -> None:
    url = migrated_postgres.fresh()
    with Registry.open(url) as registry:
        token = registry.create_token("load", ["register", "promote"]).token
    real = make_url(url)
    cutter = CommitCutter((real.host or "127.0.0.1", real.port or 5432))
    cutter.start()
    proxied = real.set(port=cutter.port).render_as_string(False)
    with ExitStack() as stack:
        stack.callback(cutter.close)
        servers = [stack.enter_context(serve(proxied, tmp_path / f"s{n}.log")) for n in (1, 2)]
        ports = [server.port for server in servers]
        clients = [Client(n, ports, token, LINES, WRITES_PER_CLIENT) for n in range(CLIENTS)]
        faults = Faults(url, cutter, lambda: sum(client.acknowledged for client in clients))
        start = threading.Barrier(CLIENTS + 1)
        threads = [threading.Thread(target=c.run, args=(start,)) for c in clients]
        for thread in threads:
            thread.start()
        faulting = threading.Thread(target=faults.run)
        start.wait()
        began = time.monotonic()
        faulting.start()
        try:
            for thread in threads:
                thread.join(timeout=120)
        finally:
            faults.stop.set()
            faulting.join()
            cutter.arm(False)
        took = time.monotonic() - began
        assert not [t for t in threads if t.is_alive()], "a client never finished"
        failed = [c.failure for c in clients if c.failure]
        assert not failed, f"clients failed: {failed}"
        writes = [write for client in clients for write in client.writes]
        recovered = [_one_more_write(server, token) for server in servers]
        logs = {server.port: server.log_lines() for server in servers}

    _report(writes, faults, cutter, took, logs)
    assert sum(faults.rounds) > 0, "no session was ever ended: the test proved nothing"
    assert len(faults.rounds) >= 5, f"only {len(faults.rounds)} rounds of faults"
    assert cutter.cut >= 3, f"only {cutter.cut} answers to a COMMIT were lost"
    unfinished = [w.key for w in writes if not w.acknowledged]
    assert len(unfinished) <= len(writes) // 10, f"{len(unfinished)} never saved: {unfinished}"
    _assert_only_expected_answers(writes)
    _assert_acknowledged_and_once(url, writes)
    _assert_answers_truthful(url, writes)
    _assert_lines_whole(url)
    assert any(a.replayed for w in writes for a in w.attempts), "no retry found its write saved"
    assert [status for status, _ in recovered] == [201, 201], f"after the faults: {recovered}"


def _one_more_write(server: Served, token: str) -> tuple[int | None, str | None]:
    """A new keyed registration through ``server`` once the faults stopped: its status, code.

    The faults' last round may have ended sessions still in the pool; the
    readiness check is the one call allowed to find that out (docs/http_api.md:
    the next request gets a new connection). The write after it must succeed.
    """
    with contextlib.suppress(OSError):  # any answer: it only takes the pool's news
        call(f"http://127.0.0.1:{server.port}", "GET", "/-/ready")
    key = f"after-the-faults-{server.port}"
    body = {"title": key, "line": "after", "metadata": logistic_regression()}
    answer = send(server.port, "/api/v1/models", body, key, token)
    return answer.status, answer.code


def _report(
    writes: list[Write],
    faults: Faults,
    cutter: CommitCutter,
    took: float,
    logs: dict[int, list[str]],
) -> None:
    """What the run saw, printed for ``pytest -s`` and for a failure's captured output."""
    answers = Counter(
        (a.status, a.code) if a.status != 503 else (503, a.code) for w in writes for a in w.attempts
    )
    tracebacks = {port: sum("Traceback" in line for line in lines) for port, lines in logs.items()}
    print(
        f"\n{len(writes)} writes, {sum(len(w.attempts) for w in writes)} requests in {took:.1f} s;"
        f" {len(faults.rounds)} fault rounds ended {sum(faults.rounds)} sessions,"
        f" {cutter.cut} answers to a COMMIT lost;"
        f" answers {dict(answers)}; replayed {sum(a.replayed for w in writes for a in w.attempts)};"
        f" unfinished {sum(not w.acknowledged for w in writes)}; tracebacks logged {tracebacks}"
    )


def _assert_only_expected_answers(writes: list[Write]) -> None:
    """A write's own success status, a 503, or a lost connection: nothing else."""
    odd = [
        (w.key, a.status, a.code, a.body)
        for w in writes
        for a in w.attempts
        if a.status not in {SUCCESS[w.kind], *RETRIED}
    ]
    assert not odd, f"answers other than success, 503 or a lost connection: {odd[:5]}"


def _assert_acknowledged_and_once(url: str, writes: list[Write]) -> None:
    """(a) Every acknowledged write is there; (b) no key wrote twice."""
    models = _rows(url, "SELECT title, id FROM artifacts")
    promotions = _rows(
        url,
        "SELECT notes, artifact_id FROM model_promotion_events WHERE to_state = 'promoted'",
    )
    by_title: dict[str, list[str]] = defaultdict(list)
    for title, model in models:
        by_title[title].append(model)
    by_notes: dict[str, list[str]] = defaultdict(list)
    for notes, model in promotions:
        by_notes[notes].append(model)
    twice = {k: v for k, v in {**by_title, **by_notes}.items() if len(v) > 1}
    assert not twice, f"a retried write was saved more than once: {twice}"
    for write in writes:
        if not write.acknowledged:
            continue
        if write.kind == "register":
            assert by_title[write.key] == [write.final.body["id"]], f"lost: {write.key}"
        else:
            model = write.path.split("/")[-2]
            assert by_notes[write.key] == [model], f"lost: {write.key}"


def _saved(url: str, write: Write) -> bool:
    if write.kind == "register":
        sql = "SELECT 1 FROM artifacts WHERE title = %s"
    else:
        sql = "SELECT 1 FROM model_promotion_events WHERE to_state = 'promoted' AND notes = %s"
    with psycopg.connect(_libpq(url)) as conn:
        return conn.execute(sql, (write.key,)).fetchone() is not None


def _assert_answers_truthful(url: str, writes: list[Write]) -> None:
    """(e) A failure said "not saved" only of what was not saved.

    A write whose every answer was a plain failure is absent. A replayed
    answer says an earlier attempt was saved: one of those must have been
    answered "outcome unknown" (or lost), not "failed".
    """
    lies: list[tuple[str, list[tuple[int | None, str | None]]]] = []
    for write in writes:
        shown = [(a.status, "replayed" if a.replayed else a.code) for a in write.attempts]
        for index, attempt in enumerate(write.attempts):
            if attempt.replayed and not any(a.outcome_unknown for a in write.attempts[:index]):
                lies.append((write.key, shown))
        if not write.acknowledged and not write.may_be_saved and _saved(url, write):
            lies.append((write.key, shown))
    assert not lies, f"an answer said a saved write failed: {lies[:5]}"
    answered_500 = [w for w in writes if any(a.status == 500 for a in w.attempts)]
    assert not answered_500, [
        (w.key, [(a.status, a.code) for a in w.attempts]) for w in answered_500
    ]


def _assert_lines_whole(url: str) -> None:
    """(c) one promoted version per line, (d) version numbers 1..N, each history a legal chain."""
    versions = _rows(
        url,
        "SELECT l.name, a.version_number, v.artifact_id, v.promotion_state FROM model_versions v "
        "JOIN artifacts a ON a.id = v.artifact_id JOIN model_lines l ON l.root_id = v.line_id",
    )
    numbers: dict[str, list[int]] = defaultdict(list)
    state: dict[str, str] = {}
    line_of: dict[str, str] = {}
    for line, number, model, promotion_state in versions:
        numbers[line].append(number)
        state[model] = promotion_state
        line_of[model] = line
    for line, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{line}: {sorted(seen)}"
        promoted = [m for m, s in state.items() if line_of[m] == line and s == "promoted"]
        assert len(promoted) <= 1, f"{line} holds {len(promoted)} promoted versions"
    walked: dict[str, str] = dict.fromkeys(state, "candidate")
    in_line: dict[str, set[str]] = defaultdict(set)  # each line's promoted versions, event by event
    events = _rows(
        url, "SELECT artifact_id, from_state, to_state FROM model_promotion_events ORDER BY id"
    )
    for model, from_state, to_state in events:
        assert from_state == walked[model], f"{model}: {from_state} after {walked[model]}"
        assert to_state in TRANSITIONS[from_state], f"{model}: {from_state} -> {to_state}"
        walked[model] = to_state
        holding = in_line[line_of[model]]
        holding.discard(model)
        if to_state == "promoted":
            holding.add(model)
        assert len(holding) <= 1, f"{line_of[model]} had two promoted versions at once"
    assert walked == state, "a version's state is not where its history leads"
