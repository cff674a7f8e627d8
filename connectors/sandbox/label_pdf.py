"""A real return label as PDF (reportlab): page 1 the label, page 2 the CN23 declaration.

Page 1 carries the addresses, the tracking number as text and as a Code 128 barcode
(what a depot scanner reads), and a QR code with the tracking number and RMA (what a
phone reads). Page 2 is the CN23 customs declaration for a cross-border return:
contents type, each item with quantity, net weight and value of the line (CN23 asks
for line totals, not unit figures), HS code and origin country, totals and the reason
for return. Both pages say "SANDBOX" so nobody ships with it.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

PAGE = (100 * mm, 150 * mm)  # the common 100 x 150 mm thermal label
MARGIN = 5 * mm


def render_label(shipment: dict[str, Any]) -> bytes:
    """The PDF bytes for `shipment` (as the carrier simulator stores it)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE, invariant=1)
    pdf.setTitle(f"Return label {shipment['tracking_number']}")
    pdf.setAuthor("Formloom sandbox carrier")
    _label_page(pdf, shipment)
    pdf.showPage()
    if shipment.get("customs"):
        _cn23_page(pdf, shipment)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _label_page(pdf: canvas.Canvas, shipment: dict[str, Any]) -> None:
    width, height = PAGE
    top = height - MARGIN
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(MARGIN, top - 5 * mm, "SANDBOX PARCEL  ·  RETURN")
    pdf.setFont("Helvetica", 7)
    pdf.drawString(MARGIN, top - 9 * mm, f"Service {shipment['service']}  ·  "
                   f"{shipment['parcel']['weight_kg']} kg  ·  {shipment['created_date']}")
    pdf.line(MARGIN, top - 11 * mm, width - MARGIN, top - 11 * mm)
    _address(pdf, "FROM", shipment["shipper"], MARGIN, top - 15 * mm)
    _address(pdf, "TO", shipment["recipient"], MARGIN, top - 37 * mm, bold=True)
    pdf.line(MARGIN, top - 60 * mm, width - MARGIN, top - 60 * mm)
    tracking = shipment["tracking_number"]
    barcode = code128.Code128(tracking, barHeight=18 * mm, barWidth=0.32 * mm, humanReadable=False)
    barcode.drawOn(pdf, (width - barcode.width) / 2, top - 82 * mm)
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawCentredString(width / 2, top - 88 * mm, tracking)
    qr_widget = qr.QrCodeWidget(f"{tracking}|{shipment.get('reference') or ''}")
    x0, y0, x1, y1 = qr_widget.getBounds()
    size = 26 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr_widget)
    renderPDF.draw(drawing, pdf, MARGIN, MARGIN + 4 * mm)
    pdf.setFont("Helvetica", 8)
    text_x = MARGIN + size + 4 * mm
    pdf.drawString(text_x, MARGIN + 24 * mm, f"RMA {shipment.get('reference') or '-'}")
    pdf.drawString(text_x, MARGIN + 19 * mm, f"Label {shipment['id']}")
    customs = "CN23 attached (page 2)" if shipment.get("customs") else "No customs"
    pdf.drawString(text_x, MARGIN + 14 * mm, customs)
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(text_x, MARGIN + 6 * mm, "SANDBOX - NOT VALID FOR SHIPPING")


def _address(pdf, title, address, x, y, bold=False) -> None:
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(x, y, title)
    lines = [address.get("name"), address.get("line1"), address.get("line2"),
             " ".join(filter(None, [address.get("postal_code"), address.get("city")])),
             address.get("country")]
    pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 10 if bold else 8)
    step = 4.6 * mm if bold else 3.8 * mm
    for index, line in enumerate(line for line in lines if line):
        pdf.drawString(x + 8 * mm, y - index * step, str(line)[:48])


def _cn23_page(pdf: canvas.Canvas, shipment: dict[str, Any]) -> None:
    width, height = PAGE
    customs = shipment["customs"]
    y = height - MARGIN - 5 * mm
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(MARGIN, y, "CN 23  CUSTOMS DECLARATION")
    pdf.setFont("Helvetica", 7)
    y -= 5 * mm
    pdf.drawString(MARGIN, y, f"Tracking {shipment['tracking_number']}  ·  "
                   f"RMA {shipment.get('reference') or '-'}")
    y -= 4 * mm
    pdf.drawString(MARGIN, y, f"Category: {customs['contents_type'].replace('_', ' ')}  ·  "
                   f"Currency {customs['currency']}")
    y -= 6 * mm
    columns = [("Description", 0), ("Qty", 38), ("kg", 47), ("Value", 57), ("HS", 70),
               ("Origin", 82)]
    pdf.setFont("Helvetica-Bold", 6.5)
    for title, offset in columns:
        pdf.drawString(MARGIN + offset * mm, y, title)
    pdf.line(MARGIN, y - 1.5 * mm, width - MARGIN, y - 1.5 * mm)
    pdf.setFont("Helvetica", 6.5)
    total_value, total_weight = Decimal("0"), Decimal("0")
    for item in customs["items"][:20]:
        y -= 4.2 * mm
        cells = [str(item["description"])[:30], str(item["quantity"]), item["weight_kg"],
                 item["value"], item["hs_code"], item["origin_country"]]
        for (_, offset), cell in zip(columns, cells, strict=True):
            pdf.drawString(MARGIN + offset * mm, y, cell)
        total_value += Decimal(item["value"])
        total_weight += Decimal(item["weight_kg"])
    y -= 3 * mm
    pdf.line(MARGIN, y, width - MARGIN, y)
    y -= 4.5 * mm
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(MARGIN, y, f"Total value {total_value} {customs['currency']}  ·  "
                   f"Total weight {total_weight} kg")
    y -= 6 * mm
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(MARGIN, y, "Reason for return:")
    pdf.setFont("Helvetica", 7)
    for index, chunk in enumerate(_wrap(customs["reason_for_return"], 60)[:4]):
        pdf.drawString(MARGIN, y - (index + 1) * 3.6 * mm, chunk)
    y -= 24 * mm
    pdf.setFont("Helvetica", 6.5)
    pdf.drawString(MARGIN, y, "I certify that the particulars given in this declaration are "
                   "correct.")
    pdf.drawString(MARGIN, y - 4 * mm, f"Date {shipment['created_date']}   Signature "
                   f"{shipment['shipper'].get('name', '')}")
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(MARGIN, MARGIN + 2 * mm, "SANDBOX - NOT VALID FOR CUSTOMS")


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in str(text).split():
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines
