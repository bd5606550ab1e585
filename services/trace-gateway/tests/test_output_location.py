"""Work orders' output locations through the graph: outputLocationCode in, the resolved
Location out, and the refusals a planner can act on."""

from __future__ import annotations

import graphql

from serialtrace.common.testing import unique
from serialtrace.gateway.schema import printed_schema
from serialtrace.testing import (
    PLANNER,
    VIEWER,
    GraphClient,
    GraphFactory,
    RunningSuite,
    codes,
)

CREATE = """mutation($sku: String!, $line: String, $out: String) {
  createWorkOrder(input: {sku: $sku, quantity: 1, bomRevision: "A", line: $line,
                          outputLocationCode: $out}) {
    id line outputLocation { code kind parent { code } } } }"""


def test_the_graph_declares_the_fields() -> None:
    schema = graphql.build_schema(printed_schema())
    assert str(schema.get_type("WorkOrder").fields["outputLocation"].type) == "Location"
    field = schema.get_type("WorkOrderInput").fields["outputLocationCode"]
    assert str(field.type) == "String"


def test_a_work_order_names_its_output_location_or_gets_the_warehouse_above_its_line(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    planner = factory.as_(PLANNER)
    named = planner.data(CREATE, {"sku": factory.fg, "line": factory.line, "out": factory.bin})
    assert named["createWorkOrder"]["outputLocation"] == {
        "code": factory.bin,
        "kind": "BIN",
        "parent": {"code": factory.warehouse},
    }
    above = planner.data(CREATE, {"sku": factory.fg, "line": factory.line})["createWorkOrder"]
    assert above["outputLocation"]["code"] == factory.warehouse
    # Read back through a unit of the work order, as a trace shows it.
    [unit] = factory.commission(factory.fg, [unique("W")], output_location=factory.bin)
    read = factory.as_(VIEWER).data(
        """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
             workOrder { outputLocation { code } } } }""",
        unit,
    )["unit"]
    assert read["workOrder"]["outputLocation"] == {"code": factory.bin}


def test_without_an_output_location_the_planner_is_told_what_to_set(suite: RunningSuite) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    planner = factory.as_(PLANNER)
    # This suite's production has no WAREHOUSE_FINISHED_GOODS_LOCATION.
    lonely_line = unique("LINE")
    errors = planner.errors(CREATE, {"sku": factory.fg, "line": lonely_line})
    assert codes(errors) == ["BAD_USER_INPUT"]
    for remedy in ("outputLocationCode", "WAREHOUSE above its line", "WAREHOUSE_FINISHED"):
        assert remedy in errors[0]["message"]
    missing = planner.errors(CREATE, {"sku": factory.fg, "out": "NO-SUCH-BIN"})
    assert codes(missing) == ["NOT_FOUND"] and "NO-SUCH-BIN" in missing[0]["message"]
    not_stock = planner.errors(CREATE, {"sku": factory.fg, "out": factory.line})
    assert codes(not_stock) == ["FAILED_PRECONDITION"] and "LINE" in not_stock[0]["message"]
