"""The evidence package's report for people: HTML (jinja2) and PDF (reportlab).

Both are drawn from one view of the trace (`report_view`, plain data): the genealogy as
a tree, the tests with their results and approvals, and the custody path as a timeline,
then the ledger entries the package rests on and the checkpoints they link to.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, select_autoescape
from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

MAX_TREE_NODES = 400
TREE_ROWS_PER_DRAWING = 40


@dataclass
class TreeNode:
    label: str
    detail: str = ""
    removed: bool = False
    children: list[TreeNode] = field(default_factory=list)


@dataclass
class ReportView:
    title: str
    subject: str
    created: str
    tree: TreeNode
    tests: list[dict[str, str]]
    timeline: list[dict[str, str]]
    ledger: list[dict[str, str]]
    notes: list[str]


def _unit_label(unit: Mapping[str, Any]) -> str:
    return f"{unit['sku']} / {unit['serial']}"


def _unit_tree(units: Mapping[str, Any], key: str, seen: set[str], budget: list[int]) -> TreeNode:
    unit = units[key]
    product = unit.get("product") or {}
    node = TreeNode(
        _unit_label(unit),
        " · ".join(x for x in (product.get("name"), unit.get("buildStatus")) if x),
    )
    seen.add(key)
    for link in unit.get("components", []):
        if budget[0] <= 0:
            node.children.append(TreeNode("…", "more components left out"))
            break
        budget[0] -= 1
        removed = bool(link.get("removedAt"))
        when = f"installed {link['installedAt'][:19]} by {link['installedBy']}"
        if removed:
            when += f"; removed {link['removedAt'][:19]}: {link.get('removalReason') or ''}"
        if link.get("unit"):
            child_key = f"{link['unit']['sku']}:{link['unit']['serial']}"
            if child_key in units and child_key not in seen:
                child = _unit_tree(units, child_key, seen, budget)
            else:
                child = TreeNode(_unit_label(link["unit"]))
            child.detail = " · ".join(x for x in (child.detail, when) if x)
        else:
            lot = link.get("lot") or {}
            supplier = (lot.get("supplier") or {}).get("name")
            child = TreeNode(
                f"lot {lot.get('sku')} / {lot.get('lotNumber')}",
                " · ".join(
                    x
                    for x in (f"qty {link['quantity']:g}", supplier and f"from {supplier}", when)
                    if x
                ),
            )
        child.removed = removed
        node.children.append(child)
    return node


def _signature(sig: Mapping[str, Any] | None) -> str:
    return f"{sig['by']} at {sig['at'][:19]}: {sig['meaning']}" if sig else "—"


def report_view(
    trace: Mapping[str, Any], ledgers: Mapping[str, Any], about: Mapping[str, Any]
) -> ReportView:
    """Everything the report shows, as plain data (no rendering)."""
    notes: list[str] = []
    tests: list[dict[str, str]] = []
    timeline: list[dict[str, str]] = []
    kind = trace["kind"]
    if kind == "unit":
        units = trace["units"]
        subject = units[trace["subject"]]
        tree = _unit_tree(units, trace["subject"], set(), [MAX_TREE_NODES])
        for unit in units.values():
            # Operations and inspections are both tests: what, by whom, when, its sign-off.
            checks = [
                (
                    op,
                    f"{op['operation']} at {op['station']}",
                    op["operator"],
                    op["finishedAt"],
                    _signature(op.get("approval")),
                )
                for op in unit.get("operations", [])
            ]
            checks += [
                (ins, f"{ins['kind']} inspection", ins["inspector"], ins["at"], "—")
                for ins in unit.get("inspections", [])
            ]
            tests += [
                {
                    "unit": _unit_label(unit),
                    "what": what,
                    "by": by,
                    "at": at[:19],
                    "result": check["result"],
                    "measurements": json.dumps(check.get("measurements") or {}, sort_keys=True),
                    "approval": approval,
                }
                for check, what, by, at, approval in checks
            ]
        for move in sorted(subject.get("movements", []), key=lambda m: m["at"]):
            where = " → ".join(
                x["name"] for x in (move.get("fromLocation"), move.get("toLocation")) if x
            )
            timeline.append(
                {
                    "at": move["at"][:19],
                    "what": move["kind"],
                    "where": where,
                    "by": move["by"],
                    "note": move.get("reference") or "",
                }
            )
        shipment = subject.get("shipment")
        if shipment:
            timeline.append(
                {
                    "at": shipment["shippedAt"][:19],
                    "what": "SHIPPED",
                    "where": f"to {shipment['customer']['name']}",
                    "by": shipment.get("carrier") or "",
                    "note": shipment.get("trackingNumber") or "",
                }
            )
        for hold in subject.get("holds", []):
            timeline.append(
                {
                    "at": hold["placedAt"][:19],
                    "what": "HOLD" if hold["active"] else "HOLD (released)",
                    "where": "",
                    "by": hold["placedBy"],
                    "note": hold["reason"],
                }
            )
        timeline.sort(key=lambda item: item["at"])
        title = f"Unit {_unit_label(subject)}"
        if trace.get("truncated"):
            notes.append(
                "The genealogy has more units than one package holds; deeper ones are left out."
            )
    elif kind == "lot":
        lot = trace["lot"]
        title = f"Lot {lot['sku']} / {lot['lotNumber']}"
        tree = TreeNode(title, (lot.get("product") or {}).get("name", ""))
        for edge in lot["whereUsed"]["edges"][:MAX_TREE_NODES]:
            unit = edge["node"]
            where = (unit.get("location") or {}).get("name") or (
                f"shipped to {unit['shipment']['customer']['name']}" if unit.get("shipment") else ""
            )
            tree.children.append(
                TreeNode(
                    _unit_label(unit), " · ".join(x for x in (unit.get("buildStatus"), where) if x)
                )
            )
        for ins in lot.get("inspections", []):
            tests.append(
                {
                    "unit": title,
                    "what": f"{ins['kind']} inspection",
                    "by": ins["inspector"],
                    "at": ins["at"][:19],
                    "result": ins["result"],
                    "measurements": json.dumps(ins.get("measurements") or {}, sort_keys=True),
                    "approval": "—",
                }
            )
        if lot.get("receivedAt"):
            timeline.append(
                {
                    "at": lot["receivedAt"][:19],
                    "what": "RECEIVED",
                    "where": "",
                    "by": "",
                    "note": "",
                }
            )
        for level in lot.get("stock", []):
            timeline.append(
                {
                    "at": "now",
                    "what": "ON HAND",
                    "where": level["location"]["name"],
                    "by": "",
                    "note": f"{level['quantity']:g}",
                }
            )
        total = lot["whereUsed"]["totalCount"]
        notes.append(
            f"{total} top-level unit(s) contain this lot; "
            "ask for a unit's package for its full story."
        )
    else:
        recall = trace["recall"]
        title = f"Recall {recall['id']}"
        tree = TreeNode(title, recall["reason"])
        for edge in recall["affected"]["edges"][:MAX_TREE_NODES]:
            item = edge["node"]
            where = (
                (item.get("location") or {}).get("name")
                or (item.get("customer") or {}).get("name")
                or ""
            )
            tree.children.append(
                TreeNode(
                    _unit_label(item["unit"]), " · ".join(x for x in (item["state"], where) if x)
                )
            )
        timeline.append(
            {
                "at": recall["createdAt"][:19],
                "what": "RECALL CREATED",
                "where": "",
                "by": recall["createdBy"],
                "note": f"scope in {recall['scopeComputedInMs']} ms",
            }
        )
    ledger_rows = []
    for service, body in ledgers.items():
        links = body.get("links", {})
        ends = sorted({v for v in links.values() if v is not None})
        ledger_rows.append(
            {
                "service": service,
                "cited": str(len(body.get("cited", []))),
                "included": str(len(body.get("entries", []))),
                "checkpoints": ", ".join(str(e) for e in ends) or "—",
            }
        )
    subject_label = about["subject"]["label"]
    created = f"{about['created_at'][:19]} UTC by {about['created_by']}"
    return ReportView(title, subject_label, created, tree, tests, timeline, ledger_rows, notes)


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence: {{ v.title }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
 h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
 table { border-collapse: collapse; width: 100%; font-size: .9em; }
 th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
 th { background: #f3f3f3; }
 .PASS { color: #17692c; font-weight: 600; } .FAIL { color: #a31515; font-weight: 600; }
 ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.4em; }
 ul.tree li { position: relative; padding: 2px 0 2px .6em; border-left: 1px solid #888; }
 ul.tree li:last-child { border-left: 1px solid transparent; }
 ul.tree li::before { content: ""; position: absolute; left: -1px; top: 0; width: .6em;
   height: .9em; border-left: 1px solid #888; border-bottom: 1px solid #888; }
 ul.tree > li { border-left: none; } ul.tree > li::before { display: none; }
 .node { font-weight: 600; } .detail { color: #555; font-size: .85em; }
 .removed .node { text-decoration: line-through; color: #888; }
 ol.timeline { list-style: none; border-left: 3px solid #3a6ea5; padding-left: 1em; }
 ol.timeline li { margin: 0 0 .8em; position: relative; }
 ol.timeline li::before { content: ""; position: absolute; left: -1.45em; top: .3em;
   width: .7em; height: .7em; border-radius: 50%; background: #3a6ea5; }
 .when { font-family: monospace; color: #555; }
</style></head><body>
<h1>Evidence: {{ v.title }}</h1>
<p>{{ v.subject }} · made {{ v.created }}. Check this package with
<code>serialtrace verify-evidence FILE</code>, with no service running.</p>
{% for note in v.notes %}<p><em>{{ note }}</em></p>{% endfor %}
<h2>Genealogy</h2>
{% macro node(n) -%}
<li class="{{ 'removed' if n.removed else '' }}"><span class="node">{{ n.label }}</span>
{% if n.detail %}<span class="detail"> — {{ n.detail }}</span>{% endif %}
{% if n.children %}<ul>{% for c in n.children %}{{ node(c) }}{% endfor %}</ul>{% endif %}</li>
{%- endmacro %}
<ul class="tree">{{ node(v.tree) }}</ul>
<h2>Tests, results and approvals</h2>
{% if v.tests %}<table><tr><th>unit</th><th>test</th><th>by</th><th>finished</th>
<th>result</th><th>measurements</th><th>approval</th></tr>
{% for t in v.tests %}<tr><td>{{ t.unit }}</td><td>{{ t.what }}</td><td>{{ t.by }}</td>
<td class="when">{{ t.at }}</td><td class="{{ t.result }}">{{ t.result }}</td>
<td><code>{{ t.measurements }}</code></td><td>{{ t.approval }}</td></tr>{% endfor %}
</table>{% else %}<p>No tests recorded.</p>{% endif %}
<h2>Custody path</h2>
{% if v.timeline %}<ol class="timeline">{% for e in v.timeline %}
<li><span class="when">{{ e.at }}</span> <strong>{{ e.what }}</strong> {{ e.where }}
{% if e.by %}<span class="detail">by {{ e.by }}</span>{% endif %}
{% if e.note %}<span class="detail">({{ e.note }})</span>{% endif %}</li>{% endfor %}
</ol>{% else %}<p>No movements recorded.</p>{% endif %}
<h2>Audit ledger entries this rests on</h2>
<table><tr><th>service</th><th>entries cited</th><th>entries included (links)</th>
<th>signed checkpoints (seq)</th></tr>
{% for r in v.ledger %}<tr><td>{{ r.service }}</td><td>{{ r.cited }}</td>
<td>{{ r.included }}</td><td>{{ r.checkpoints }}</td></tr>{% endfor %}</table>
</body></html>
"""

_ENVIRONMENT = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENVIRONMENT.from_string(_HTML)


def render_html(
    trace: Mapping[str, Any], ledgers: Mapping[str, Any], about: Mapping[str, Any]
) -> str:
    return _TEMPLATE.render(v=report_view(trace, ledgers, about))


def _flatten_offset(
    node: TreeNode, depth: int, offset: int, parent: int
) -> list[tuple[int, int | None, TreeNode]]:
    rows: list[tuple[int, int | None, TreeNode]] = [(depth, parent, node)]
    me = offset
    for child in node.children:
        rows.extend(_flatten_offset(child, depth + 1, offset + len(rows), me))
    return rows


def tree_rows(tree: TreeNode) -> list[tuple[int, int | None, TreeNode]]:
    """The tree in drawing order: (depth, row of the parent, node)."""
    rows: list[tuple[int, int | None, TreeNode]] = [(0, None, tree)]
    for child in tree.children:
        rows.extend(_flatten_offset(child, 1, len(rows), 0))
    return rows


def _tree_drawings(tree: TreeNode, width: float) -> list[Flowable]:
    rows = tree_rows(tree)
    step, indent = 16, 14
    drawings: list[Flowable] = []
    for start in range(0, len(rows), TREE_ROWS_PER_DRAWING):
        chunk = rows[start : start + TREE_ROWS_PER_DRAWING]
        height = step * len(chunk) + 4
        drawing = Drawing(width, height)
        for i, (depth, parent, node) in enumerate(chunk):
            y = height - (i + 1) * step + 4
            x = depth * indent
            if parent is not None:
                # An elbow from the parent's column down to this node.
                parent_y = height - (parent - start + 1) * step + 4 if parent >= start else height
                px = (depth - 1) * indent + 4
                drawing.add(Line(px, parent_y - 2, px, y + 4, strokeColor=colors.grey))
                drawing.add(Line(px, y + 4, x, y + 4, strokeColor=colors.grey))
            drawing.add(
                Circle(x + 3, y + 4, 3, fillColor=colors.HexColor("#3a6ea5"), strokeColor=None)
            )
            label = node.label + (f" — {node.detail}" if node.detail else "")
            color = colors.grey if node.removed else colors.black
            drawing.add(String(x + 10, y + 1, label[:110], fontSize=7.5, fillColor=color))
        drawings.append(drawing)
    return drawings


def _timeline_drawing(timeline: list[dict[str, str]], width: float) -> Drawing:
    step = 22
    height = step * len(timeline) + 6
    drawing = Drawing(width, height)
    drawing.add(Line(8, 4, 8, height - 4, strokeColor=colors.HexColor("#3a6ea5"), strokeWidth=2))
    for i, event in enumerate(timeline):
        y = height - (i + 1) * step + 6
        drawing.add(Circle(8, y + 4, 3.5, fillColor=colors.HexColor("#3a6ea5"), strokeColor=None))
        drawing.add(
            String(18, y + 6, f"{event['at']}  {event['what']}  {event['where']}"[:100], fontSize=8)
        )
        detail = " ".join(x for x in (event["by"] and f"by {event['by']}", event["note"]) if x)
        drawing.add(String(18, y - 3, detail[:120], fontSize=7, fillColor=colors.grey))
    return drawing


def render_pdf(
    trace: Mapping[str, Any], ledgers: Mapping[str, Any], about: Mapping[str, Any]
) -> bytes:
    view = report_view(trace, ledgers, about)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Evidence: {view.title}",
        invariant=True,  # the same trace renders to the same bytes
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    width = A4[0] - 30 * mm
    story: list[Flowable] = [
        Paragraph(escape(f"Evidence: {view.title}"), styles["Title"]),
        Paragraph(
            escape(
                f"{view.subject} · made {view.created}. "
                "Verify with `serialtrace verify-evidence FILE`."
            ),
            styles["BodyText"],
        ),
    ]
    story += [Paragraph(escape(note), styles["Italic"]) for note in view.notes]
    story += [Paragraph("Genealogy", styles["Heading2"]), *_tree_drawings(view.tree, width)]
    story.append(Paragraph("Tests, results and approvals", styles["Heading2"]))
    if view.tests:
        header = ["unit", "test", "by", "finished", "result", "measurements", "approval"]
        rows = [[Paragraph(escape(h), small) for h in header]] + [
            [
                Paragraph(escape(t[k]), small)
                for k in ("unit", "what", "by", "at", "result", "measurements", "approval")
            ]
            for t in view.tests
        ]
        table = Table(
            rows,
            repeatRows=1,
            colWidths=[w * width for w in (0.15, 0.15, 0.1, 0.13, 0.07, 0.2, 0.2)],
        )
        style: list[Any] = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for i, t in enumerate(view.tests, start=1):
            color = (
                colors.HexColor("#17692c") if t["result"] == "PASS" else colors.HexColor("#a31515")
            )
            style.append(("TEXTCOLOR", (4, i), (4, i), color))
        table.setStyle(TableStyle(style))
        story.append(table)
    else:
        story.append(Paragraph("No tests recorded.", styles["BodyText"]))
    story.append(Paragraph("Custody path", styles["Heading2"]))
    if view.timeline:
        story.append(KeepTogether([_timeline_drawing(view.timeline, width)]))
    else:
        story.append(Paragraph("No movements recorded.", styles["BodyText"]))
    story.append(Paragraph("Audit ledger entries this rests on", styles["Heading2"]))
    ledger_rows = [["service", "entries cited", "entries included", "checkpoints (seq)"]] + [
        [r["service"], r["cited"], r["included"], r["checkpoints"]] for r in view.ledger
    ]
    ledger_table = Table(ledger_rows, repeatRows=1)
    ledger_table.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 8)]
        )
    )
    story += [ledger_table, Spacer(1, 6)]
    document.build(story)
    return out.getvalue()
