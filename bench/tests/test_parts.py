"""The benchmark's pure parts: percentiles, bounded load loops, figures and the table,
the comparison of two trace answers, and the command line."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from serialtrace.bench import cli
from serialtrace.bench.answers import differences, from_graph
from serialtrace.bench.databases import bench_names, libpq, url_for
from serialtrace.bench.report import Figure, format_table, number, table_rows
from serialtrace.bench.stats import percentile, run_clients, time_calls
from serialtrace.testing import KeptAliveGraphClient

# --- percentiles and loops ------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([4, 1, 3, 2], 0) == 1
    assert percentile([4, 1, 3, 2], 100) == 4
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([7.5], 99) == 7.5


def test_percentile_refuses_nothing_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_time_calls_stops_at_the_count_or_the_time_cap() -> None:
    calls: list[int] = []
    assert time_calls(calls.append, 5, time_cap=60).count == 5
    assert calls == [0, 1, 2, 3, 4]

    capped = time_calls(lambda _: time.sleep(0.02), 1000, time_cap=0.1)
    assert 1 <= capped.count < 20
    assert all(ms >= 15 for ms in capped.samples)


def test_run_clients_shares_each_call_once_among_the_clients() -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def work(client: int, i: int) -> None:
        time.sleep(0.001)
        with lock:
            seen.append((client, i))

    load = run_clients(work, clients=4, count=40, time_cap=60)
    assert (load.done, load.clients, load.capped) == (40, 4, False)
    assert sorted(i for _, i in seen) == list(range(40))
    assert len({c for c, _ in seen}) > 1
    assert load.rate() == pytest.approx(40 / load.seconds)
    assert load.rate(per_call=100) == pytest.approx(4000 / load.seconds)


def test_run_clients_stops_at_the_time_cap() -> None:
    load = run_clients(lambda _c, _i: time.sleep(0.02), clients=2, count=10_000, time_cap=0.2)
    assert load.capped and 2 <= load.done < 100
    assert load.seconds < 5


def test_run_clients_stops_everyone_on_the_first_error() -> None:
    started: list[int] = []

    def work(_client: int, i: int) -> None:
        started.append(i)
        if i == 3:
            raise RuntimeError("boom at 3")
        time.sleep(0.01)

    with pytest.raises(RuntimeError, match="boom at 3"):
        run_clients(work, clients=2, count=1000, time_cap=60)
    assert len(started) < 20


# --- figures and the table ------------------------------------------------------------


def test_a_figure_meets_its_target_in_the_right_direction() -> None:
    assert Figure("p50", 20, "ms", target=25).meets_target is True
    assert Figure("p50", 30, "ms", target=25).meets_target is False
    assert Figure("rate", 250, "/s", target=200, better="higher").meets_target is True
    assert Figure("rate", 150, "/s", target=200, better="higher").meets_target is False
    assert Figure("rss", 90, "MB").meets_target is None


def test_the_ratio_is_graph_over_sql() -> None:
    assert Figure("p50", 30, "ms", sql_baseline=2).ratio == 15
    assert Figure("rate", 50, "/s", sql_baseline=500).ratio == 0.1
    assert Figure("p50", 30, "ms").ratio is None
    as_json = Figure("p50", 30.12345, "ms", target=25, sql_baseline=2).as_json()
    assert as_json == {
        "name": "p50",
        "value": 30.12,
        "unit": "ms",
        "target": 25,
        "better": "lower",
        "ratio_target": None,
        "meets_target": False,
        "sql_baseline": 2,
        "ratio": 15.06,
        "detail": {},
    }


def test_a_ratio_target_must_be_met_too() -> None:
    # 2.5 s meets "≤ 3 s" but not "≤ 2x" a floor of 1 s; 1.8 s meets both.
    assert not Figure("recall", 2.5, "s", target=3, ratio_target=2, sql_baseline=1).meets_target
    assert Figure("recall", 1.8, "s", target=3, ratio_target=2, sql_baseline=1).meets_target
    # A rate: 250/s meets "≥ 200/s" but is under half the floor's 600/s.
    rate = Figure("traces/s", 250, "/s", target=200, ratio_target=0.5, better="higher")
    assert not replace(rate, sql_baseline=600).meets_target
    assert replace(rate, sql_baseline=400).meets_target
    assert table_rows([rate])[0][2] == "≥ 200 /s, ≥ 0.5x"


def test_numbers_keep_three_significant_digits() -> None:
    assert [number(v) for v in (0, 0.01234, 1.234, 12.34, 123.4, 12345.6)] == [
        "0",
        "0.012",
        "1.23",
        "12.3",
        "123",
        "12,346",
    ]


def test_the_table_aligns_columns_and_shows_targets_floors_and_verdicts() -> None:
    table = format_table(
        [
            Figure("unit trace p50, 1 client", 31.5, "ms", target=25, sql_baseline=2.1),
            Figure("traces/s", 250, "/s", target=200, better="higher", sql_baseline=1000),
            Figure("quality RSS", 91.2, "MB"),
        ]
    )
    header, rule, p50, rate, rss = table.splitlines()
    assert header.startswith("figure") and header.endswith("graph/SQL")
    assert set(rule) == {"-", " "}
    assert "≤ 25 ms" in p50 and " NO " in p50 and "2.10 ms" in p50 and p50.endswith("15.0x")
    assert "≥ 200 /s" in rate and " yes " in rate and rate.endswith("0.250x")
    assert rss.startswith("quality RSS") and rss.split()[-4:] == ["-"] * 4
    # numbers right-aligned under their heading
    assert p50.index("31.5 ms") + len("31.5 ms") == header.index("value") + len("value")


# --- trace answers --------------------------------------------------------------------


def _lot(sku: str, number: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "lotNumber": number,
        "supplier": {"code": "SUP"},
        "supplierLotNumber": "S-1",
        "quantityOnHand": 10.0,
        "qualityStatus": "OK",
        "holds": [],
    }


def _unit(sku: str, serial: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "sku": sku,
        "serial": serial,
        "components": components,
        "materialLots": [_lot("RESIN", "L1")],
        "operations": [{"id": "OP-2"}, {"id": "OP-1"}],
        "buildStatus": "COMPLETE",
        "workOrder": {"id": "WO-1"},
        "installedIn": None,
        "attributes": {"b": 1, "a": 2},
        "aliases": [],
        "custodyStatus": "IN_STOCK",
        "location": {"code": "BIN"},
        "package": {"sscc": "C1", "parent": {"sscc": "P1"}},
        "shipment": None,
        "movements": [{"kind": "MOVE", "fromLocation": None, "toLocation": {"code": "BIN"}}],
        "qualityStatus": "OK",
        "holds": [],
        "inspections": [],
        "recalls": [],
        "auditTrail": [{"service": "production", "seq": 4, "hash": "h4"}],
    }


def _graph_trace() -> dict[str, Any]:
    sub = _unit("SUB", "S1", [{"quantity": 2, "unit": None, "lot": _lot("RESIN", "L1")}])
    return _unit(
        "FIN",
        "F1",
        [
            {"quantity": 1, "unit": sub, "lot": None},
            {"quantity": 0.5, "unit": None, "lot": _lot("PASTE", "L9")},
        ],
    )


def test_a_trace_answer_holds_every_unit_and_lot_it_met() -> None:
    facts = from_graph(_graph_trace())
    assert facts.root == ("FIN", "F1")
    assert set(facts.units) == {("FIN", "F1"), ("SUB", "S1")}
    assert set(facts.lots) == {("RESIN", "L1"), ("PASTE", "L9")}
    fin = facts.units[("FIN", "F1")]
    assert fin.components == (("LOT", "PASTE", "L9", 0.5), ("UNIT", "SUB", "S1", 1.0))
    assert fin.operations == ("OP-1", "OP-2")
    assert (fin.package, fin.pallet, fin.location) == ("C1", "P1", "BIN")
    assert fin.attributes == '{"a":2,"b":1}'


def test_equal_answers_have_no_differences_and_any_change_is_named() -> None:
    graph = from_graph(_graph_trace())
    assert differences(graph, from_graph(_graph_trace())) == []

    changed = copy.deepcopy(_graph_trace())
    changed["components"][0]["unit"]["auditTrail"][0]["hash"] = "tampered"
    found = differences(graph, from_graph(changed))
    assert len(found) == 1 and "('SUB', 'S1') audit" in found[0]

    fewer = copy.deepcopy(_graph_trace())
    fewer["components"].pop(1)
    found = differences(graph, from_graph(fewer))
    assert any("('PASTE', 'L9'): only in graph" in line for line in found)
    assert any("('FIN', 'F1') components" in line for line in found)


# --- the command line and the databases ----------------------------------------------


def test_the_command_line_defaults_match_the_issue() -> None:
    command, args = cli.parse([])
    assert command == "run"
    assert (args.units, args.seed, args.clients, args.serials) == (1000, 7, 16, 5000)
    assert (args.scan_size, args.fresh, args.out) == (100, False, Path("bench/results/latest.json"))
    options = cli._options(args)
    assert options.units == 1000 and options.time_cap == args.time_cap

    command, args = cli.parse(["generate", "--units", "100000", "--fresh"])
    assert command == "generate" and args.units == 100_000 and args.fresh
    assert not hasattr(args, "clients")
    assert args.shape == "factory"
    assert cli._options(cli.parse(["--shape", "recall"])[1]).shape == "recall"


def test_each_size_and_seed_has_its_own_databases() -> None:
    names = bench_names(1000, 7)
    assert names["production"] == "serialtrace_bench_u1000_s7_production"
    assert set(names) == {"masterdata", "production", "warehouse", "quality", "epcis"}
    assert bench_names(100_000, 7)["quality"] != names["quality"]
    recall = bench_names(30_000, 7, "recall")["production"]
    assert recall == "serialtrace_bench_recall_u30000_s7_production"
    url = url_for("postgresql://postgres@127.0.0.1:5432/postgres", names["production"])
    assert url == "postgresql://postgres@127.0.0.1:5432/serialtrace_bench_u1000_s7_production"
    assert libpq("postgresql+psycopg://u:p@h:1/db") == "postgresql://u:p@h:1/db"


# --- the kept-alive client --------------------------------------------------------------


class _Graph(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the request count so far; after each answer either keeps
    the connection open or, with `close_silently`, drops it without saying so (as a
    server does to a connection idle past its keep-alive time)."""

    protocol_version = "HTTP/1.1"
    close_silently = False
    answered = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        type(self).answered += 1
        body = json.dumps({"data": {"n": type(self).answered}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = type(self).close_silently

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def graph_server() -> Any:
    handler = type("Graph", (_Graph,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def test_the_kept_alive_client_sends_every_request_on_one_connection(graph_server: Any) -> None:
    server, _ = graph_server
    client = KeptAliveGraphClient(f"http://127.0.0.1:{server.server_port}/graphql", "token")
    assert [client.data("{ n }")["n"] for _ in range(3)] == [1, 2, 3]
    assert client.connections == 1
    client.close()


def test_the_kept_alive_client_opens_again_a_connection_the_server_dropped(
    graph_server: Any,
) -> None:
    server, handler = graph_server
    handler.close_silently = True
    client = KeptAliveGraphClient(f"http://127.0.0.1:{server.server_port}/graphql")
    assert [client.data("{ n }")["n"] for _ in range(3)] == [1, 2, 3]  # each sent once
    assert client.connections == 3
    client.close()
