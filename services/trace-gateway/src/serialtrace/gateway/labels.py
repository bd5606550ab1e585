"""GS1 labels for units and packages: the symbol, its human-readable text, four formats.

A unit gets a GS1 DataMatrix with its GTIN (01) and serial (21), plus its lot (10) and
expiry (17) when the unit's attributes record them, or the same data as a GS1 Digital
Link URI in a QR code (which a phone's camera opens too); a package gets a GS1-128
logistic label with its SSCC (00). Each label prints the data titles beside the values
and comes as PNG or SVG (screens), PDF (office printers) or ZPL (Zebra printers).
What a label encodes, in bracketed form, is what `scan` resolves back to the unit or
package. The data comes from masterdata and warehouse over gRPC; nothing is stored.

Rendering is Zint's (zint-bindings): it encodes GS1 data with FNC1 in first position
and GS separators as the GS1 General Specifications require. Served by the graph
(`Unit.label`, `Package.label`) and by `GET /labels/...` (see `routes`).
"""

from __future__ import annotations

import base64
import enum
import functools
import io
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import strawberry
import zint
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from serialtrace.common import gs1
from serialtrace.common.errors import FailedPrecondition, NotFound, ServiceError
from serialtrace.gateway.backends import Backends, Calls
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.errors import code_of
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.warehouse.v1 import warehouse_pb2 as wh


@strawberry.enum
class LabelFormat(enum.Enum):
    PNG = "PNG"
    SVG = "SVG"
    PDF = "PDF"
    ZPL = "ZPL"


CONTENT_TYPES = {
    LabelFormat.PNG: "image/png",
    LabelFormat.SVG: "image/svg+xml",
    LabelFormat.PDF: "application/pdf",
    LabelFormat.ZPL: "application/zpl",
}
_TEXT_FORMATS = (LabelFormat.SVG, LabelFormat.ZPL)


@strawberry.type(description="A printable GS1 label. SVG and ZPL as text, PNG and PDF base64.")
class Label:
    format: LabelFormat
    content_type: str
    data: str
    encodes: str = strawberry.field(
        description="What the symbol encodes: the GS1 data in bracketed form, or the "
        "Digital Link URI of a QR code; `scan` resolves either back."
    )


class Symbol(enum.Enum):
    DATAMATRIX = "GS1 DataMatrix"
    DIGITAL_LINK_QR = "GS1 Digital Link QR"
    GS1_128 = "GS1-128"


@strawberry.enum(description="The symbol a unit label carries.")
class UnitSymbol(enum.Enum):
    DATAMATRIX = strawberry.enum_value("DATAMATRIX", description="GS1 DataMatrix (default).")
    DIGITAL_LINK_QR = strawberry.enum_value(
        "DIGITAL_LINK_QR", description="A QR code holding the GS1 Digital Link URI."
    )

    @property
    def symbol(self) -> Symbol:
        return Symbol[self.name]


@dataclass(frozen=True)
class RenderedLabel:
    format: LabelFormat
    body: bytes
    encodes: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    def as_graph(self) -> Label:
        data = (
            self.body.decode()
            if self.format in _TEXT_FORMATS
            else base64.b64encode(self.body).decode()
        )
        return Label(
            format=self.format, content_type=self.content_type, data=data, encodes=self.encodes
        )


# --- rendering (pure) -------------------------------------------------------------------

_SCALE = 4  # pixels per module (DataMatrix) or per narrowest bar (GS1-128) in PNG/SVG
_MARGIN = 16
_LINE = 22
_FONT_SIZE = 16


def _symbol(kind: Symbol, ais: dict[str, str]) -> zint.Symbol:
    symbol = zint.Symbol()
    symbol.output_options = zint.OutputOptions.BARCODE_QUIET_ZONES
    symbol.scale = _SCALE / 2  # Zint's scale 1 is two pixels per module
    if kind is Symbol.DIGITAL_LINK_QR:
        # A URI, not GS1 element data: plain QR (Zint's default data input, no FNC1),
        # as Digital Link specifies.
        symbol.symbology = zint.Symbology.QRCODE
        symbol.encode(gs1.format_digital_link(ais))
        return symbol
    if kind is Symbol.DATAMATRIX:
        symbol.symbology = zint.Symbology.DATAMATRIX
        symbol.option_3 = zint.DataMatrixOptions.SQUARE
    else:
        symbol.symbology = zint.Symbology.GS1_128
        symbol.show_text = False  # the label prints its own human-readable lines
    symbol.input_mode = zint.InputMode.GS1
    # Zint's GS1 input puts AIs in square brackets, which no GS1 value can contain.
    symbol.encode("".join(f"[{ai}]{value}" for ai, value in ais.items()))
    return symbol


def _zint_output(symbol: zint.Symbol, extension: str) -> bytes:
    symbol.output_options = symbol.output_options | zint.OutputOptions.BARCODE_MEMORY_FILE
    symbol.outfile = f"label.{extension}"
    symbol.print()
    memfile = symbol.memfile
    assert memfile is not None, "BARCODE_MEMORY_FILE always fills memfile"
    return bytes(memfile)


def _lines(ais: dict[str, str], heading: str) -> list[str]:
    return [heading, *(f"{gs1.ai_title(ai)} ({ai}) {value}" for ai, value in ais.items())]


def _svg(kind: Symbol, ais: dict[str, str], lines: Sequence[str]) -> bytes:
    symbol_svg = _zint_output(_symbol(kind, ais), "svg").decode()
    inner = symbol_svg[symbol_svg.index("<svg") :]
    size = re.search(r'width="([0-9.]+)" height="([0-9.]+)"', inner)
    assert size is not None, "Zint's SVG always states its size"
    width, height = float(size.group(1)), float(size.group(2))
    inner = inner.replace("<svg ", f'<svg x="{_MARGIN}" y="{_MARGIN}" ', 1)
    text_top = _MARGIN * 2 + height
    total_w = max(width + 2 * _MARGIN, 420)
    total_h = text_top + _LINE * len(lines) + _MARGIN
    texts = "".join(
        f'<text x="{_MARGIN}" y="{text_top + _LINE * i + _FONT_SIZE}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="{_FONT_SIZE}" '
        f'font-weight="{"bold" if i == 0 else "normal"}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{total_w:g}" '
        f'height="{total_h:g}" viewBox="0 0 {total_w:g} {total_h:g}">'
        f'<rect width="100%" height="100%" fill="#FFFFFF"/>{inner}{texts}</svg>'
    ).encode()


@functools.cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's built-in scalable font: loading it costs more than drawing a label.
    return ImageFont.load_default(size=_FONT_SIZE)


def _png(kind: Symbol, ais: dict[str, str], lines: Sequence[str]) -> bytes:
    barcode = Image.open(io.BytesIO(_zint_output(_symbol(kind, ais), "png"))).convert("L")
    font = _font()
    text_top = _MARGIN * 2 + barcode.height
    width = max(barcode.width + 2 * _MARGIN, 420)
    image = Image.new("L", (width, text_top + _LINE * len(lines) + _MARGIN), 255)
    image.paste(barcode, (_MARGIN, _MARGIN))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((_MARGIN, text_top + _LINE * i), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdf(kind: Symbol, ais: dict[str, str], lines: Sequence[str]) -> bytes:
    symbol = _symbol(kind, ais)
    symbol.buffer_vector()
    vector = symbol.vector
    assert vector is not None, "buffer_vector() always leaves a vector"
    # Zint's vector has 2 * scale units per module; print 0.5 mm DataMatrix modules and
    # 0.33 mm GS1-128 bars (GS1's X-dimensions for these uses).
    x_dimension = 0.33 * mm if kind is Symbol.GS1_128 else 0.5 * mm
    module = x_dimension / (2 * symbol.scale)
    margin = 5 * mm
    bar_w, bar_h = vector.width * module, vector.height * module
    page_w = max(bar_w + 2 * margin, 90 * mm)
    page_h = bar_h + 2 * margin + 5.5 * mm * len(lines)
    out = io.BytesIO()
    # Uncompressed: a label is a few kilobytes, and its text stays searchable.
    canvas = Canvas(out, pagesize=(page_w, page_h), invariant=1, pageCompression=0)
    canvas.setTitle(f"{kind.value} label {gs1.format_element_string(ais)}")
    top = page_h - margin
    for rect in vector.rectangles:
        canvas.rect(
            margin + rect.x * module,
            top - (rect.y + rect.height) * module,
            rect.width * module,
            rect.height * module,
            stroke=0,
            fill=1,
        )
    y = top - bar_h - 6 * mm
    for i, line in enumerate(lines):
        canvas.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 9)
        canvas.drawString(margin, y, line)
        y -= 5.5 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _zpl_text(text: str) -> str:
    # ^FH makes "_hh" a hex escape, so "_", "^" and "~" in text cannot end the field.
    return "".join(f"_{ord(ch):02X}" if ch in "_^~" or not ch.isascii() else ch for ch in text)


def _zpl(kind: Symbol, ais: dict[str, str], lines: Sequence[str]) -> bytes:
    commands = ["^XA", "^CI28", "^PW812"]
    if kind is Symbol.DIGITAL_LINK_QR:
        # ^BQ model 2, magnification 6; "MA," = error correction M, automatic input.
        commands += ["^FO40,40^BQN,2,6", f"^FDMA,{gs1.format_digital_link(ais)}^FS"]
        text_top = 300
    elif kind is Symbol.DATAMATRIX:
        # ^BX quality 200 (ECC 200) with "~" as escape character: "~1" is FNC1, first
        # (GS1 DataMatrix) and as the separator after variable-length values.
        data = "~1" + gs1.format_raw_element_string(ais).replace("\x1d", "~1")
        commands += ["^FO40,40^BXN,8,200,0,0,6,~,1", f"^FD{data}^FS"]
        text_top = 280
    else:
        # ^BC mode D: GS1-128 with FNC1 first; the printer drops the brackets from the
        # bars and prints them in the interpretation line.
        commands += ["^FO40,40^BY3^BCN,200,Y,N,N,D", f"^FD{gs1.format_element_string(ais)}^FS"]
        text_top = 320
    for i, line in enumerate(lines):
        size = 34 if i == 0 else 28
        commands.append(f"^FO40,{text_top + 40 * i}^A0N,{size},{size}^FH^FD{_zpl_text(line)}^FS")
    commands.append("^XZ")
    return ("\n".join(commands) + "\n").encode()


_RENDERERS = {
    LabelFormat.PNG: _png,
    LabelFormat.SVG: _svg,
    LabelFormat.PDF: _pdf,
    LabelFormat.ZPL: _zpl,
}


def render(kind: Symbol, ais: dict[str, str], heading: str, fmt: LabelFormat) -> RenderedLabel:
    """The label for `ais` (validated as an element string) in one format."""
    encodes = gs1.format_element_string(ais)  # raises Gs1Error for data GS1 forbids
    ordered = gs1.parse_element_string(encodes)
    body = _RENDERERS[fmt](kind, ordered, _lines(ordered, heading))
    if kind is Symbol.DIGITAL_LINK_QR:
        encodes = gs1.format_digital_link(ordered)
    return RenderedLabel(format=fmt, body=body, encodes=encodes)


# --- what a unit or a package label carries ---------------------------------------------


async def unit_label(
    context: GatewayContext,
    sku: str,
    serial: str,
    fmt: LabelFormat,
    symbol: UnitSymbol = UnitSymbol.DATAMATRIX,
) -> RenderedLabel:
    """(01)(21), plus (10) and (17) when the unit's attributes carry `lot` and `expiry`
    (an ISO date), as a unit's batch and use-by date are recorded at commissioning."""
    unit: md.Unit | None = await context.loaders.unit.load((sku, serial))
    if unit is None:
        raise NotFound(f"unit {sku}/{serial} is not registered")
    product: md.Product | None = await context.loaders.product.load(sku)
    if product is None or not product.gtin:
        raise FailedPrecondition(
            f"product {sku} has no GTIN, so its units cannot carry a GS1 label; "
            "give the product a GTIN first"
        )
    ais = {"01": product.gtin, "21": serial, **_lot_and_expiry(sku, serial, unit)}
    try:
        return render(symbol.symbol, ais, f"{product.name} - {sku}", fmt)
    except gs1.Gs1Error as error:
        raise FailedPrecondition(f"unit {sku}/{serial} cannot be labelled: {error}") from None


def _lot_and_expiry(sku: str, serial: str, unit: md.Unit) -> dict[str, str]:
    try:
        attributes = json.loads(unit.attributes_json or "{}")
    except ValueError:
        attributes = {}
    if not isinstance(attributes, dict):
        return {}
    found: dict[str, str] = {}
    lot, expiry = attributes.get("lot"), attributes.get("expiry")
    if isinstance(lot, str) and lot:
        found["10"] = lot
    if isinstance(expiry, str) and expiry:
        try:
            found["17"] = date.fromisoformat(expiry[:10]).strftime("%y%m%d")
        except ValueError:
            raise FailedPrecondition(
                f"unit {sku}/{serial} has expiry {expiry[:40]!r}, not a date YYYY-MM-DD"
            ) from None
    return found


async def package_label(context: GatewayContext, sscc: str, fmt: LabelFormat) -> RenderedLabel:
    """A GS1-128 logistic label with the SSCC (00)."""
    package = await context.loaders.package.load(sscc)
    if package is None:
        raise NotFound(f"no package has the SSCC {sscc[:40]}")
    kind = "Pallet" if package.kind == wh.PACKAGE_KIND_PALLET else "Carton"
    count = len(package.units) or len(package.package_ssccs)
    heading = f"{kind} - {count} {'units' if package.units else 'packages'}"
    return render(Symbol.GS1_128, {"00": sscc}, heading, fmt)


# --- GET /labels/... --------------------------------------------------------------------

_EXTENSIONS = {f.value.lower(): f for f in LabelFormat}
_UNIT_SYMBOLS = {"datamatrix": UnitSymbol.DATAMATRIX, "qr": UnitSymbol.DIGITAL_LINK_QR}
_HTTP_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "BAD_USER_INPUT": 400,
    "FAILED_PRECONDITION": 409,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


# (context, the last path segment without its extension, format) -> the label
LabelMaker = Callable[[GatewayContext, str, LabelFormat], Awaitable[RenderedLabel]]


def routes(settings: GatewaySettings, state: dict[str, Backends]) -> list[Route]:
    """`GET /labels/unit/{sku}/{serial}.{png|svg|pdf|zpl}[?symbol=qr]` and
    `GET /labels/package/{sscc}.{...}`: the label itself, for any authenticated caller
    (`Authorization: Bearer <JWT>`, as for /graphql)."""

    def context_for(request: Request) -> GatewayContext:
        backends = state["backends"]
        return GatewayContext.for_request(
            settings, lambda bearer: Calls(backends, bearer), request.headers.get("authorization")
        )

    async def respond(request: Request, name: str, make: LabelMaker) -> Response:
        stem, dot, extension = name.rpartition(".")
        fmt = _EXTENSIONS.get(extension.lower()) if dot else None
        if fmt is None or not stem:
            return PlainTextResponse(
                f"unknown label format {extension[:10]!r}: use .png, .svg, .pdf or .zpl",
                status_code=400,
            )
        context = context_for(request)
        try:
            context.caller()
            label = await make(context, stem, fmt)
        except ServiceError as error:
            status = _HTTP_STATUS.get(code_of(error), 500)
            return PlainTextResponse(str(error), status_code=status)
        return Response(label.body, media_type=label.content_type)

    async def unit(request: Request) -> Response:
        sku = request.path_params["sku"]
        asked = request.query_params.get("symbol", "datamatrix").lower()
        symbol = _UNIT_SYMBOLS.get(asked)
        if symbol is None:
            return PlainTextResponse(
                f"unknown symbol {asked[:20]!r}: use symbol=datamatrix or symbol=qr",
                status_code=400,
            )

        async def make(context: GatewayContext, serial: str, fmt: LabelFormat) -> RenderedLabel:
            return await unit_label(context, sku, serial, fmt, symbol)

        return await respond(request, request.path_params["name"], make)

    async def package(request: Request) -> Response:
        return await respond(request, request.path_params["name"], package_label)

    return [
        Route("/labels/unit/{sku}/{name}", unit, methods=["GET"]),
        Route("/labels/package/{name}", package, methods=["GET"]),
    ]
