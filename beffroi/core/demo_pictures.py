"""The demo's residents' photos: simple drawings made with Pillow when the demo is loaded (no file to vendor, no
licence to track), each with the sentence that says what it shows, through the same intake as an upload."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from beffroi.core.images import ProcessedPhoto, process_photo

SKY, GRASS, PATH, WOOD, LEAF, TRUNK = "#bcd9ef", "#8fbf6a", "#d9cfb8", "#8a5a2b", "#2f7d32", "#6b4423"


def _tree(draw: ImageDraw.ImageDraw, x: int, ground: int, size: int, fruit: bool = False) -> None:
    draw.rectangle((x - size // 10, ground - size, x + size // 10, ground), fill=TRUNK)
    draw.ellipse((x - size // 2, ground - size * 2, x + size // 2, ground - size + size // 4), fill=LEAF)
    if fruit:
        for dx, dy in ((-15, -140), (18, -120), (-2, -165), (25, -155)):
            draw.ellipse((x + dx - 7, ground + dy - 7, x + dx + 7, ground + dy + 7), fill="#d33f2f")


def _bench(draw: ImageDraw.ImageDraw, x: int, ground: int) -> None:
    draw.rectangle((x, ground - 45, x + 120, ground - 35), fill=WOOD)
    draw.rectangle((x, ground - 70, x + 120, ground - 60), fill=WOOD)
    for leg in (x + 10, x + 100):
        draw.rectangle((leg, ground - 35, leg + 8, ground), fill="#444444")


def _drawing(kind: str) -> Image.Image:
    image = Image.new("RGB", (800, 500), SKY)
    draw = ImageDraw.Draw(image)
    ground = 360
    draw.rectangle((0, ground, 800, 500), fill=GRASS)
    draw.ellipse((640, 40, 720, 120), fill="#f6d04d")  # the sun
    if kind == "bancs":
        draw.polygon([(0, 430), (800, 400), (800, 450), (0, 500)], fill=PATH)
        for x in (80, 330, 580):
            _bench(draw, x, 400)
        for x in (220, 470, 720):
            _tree(draw, x, ground + 10, 90)
    elif kind == "compost":
        for x in (220, 400):
            draw.rectangle((x, ground - 110, x + 150, ground + 20), fill=WOOD, outline="#5a3a1a", width=4)
            for y in range(ground - 90, ground + 20, 30):
                draw.line((x, y, x + 150, y), fill="#5a3a1a", width=3)
        _tree(draw, 650, ground, 100)
    elif kind == "verger":
        for x in (120, 320, 520, 720):
            _tree(draw, x, ground + 20, 100, fruit=True)
    elif kind == "jeux":
        draw.rectangle((150, ground - 160, 160, ground), fill="#c0392b")
        draw.rectangle((330, ground - 160, 340, ground), fill="#c0392b")
        draw.rectangle((150, ground - 165, 340, ground - 155), fill="#c0392b")
        for x in (200, 280):
            draw.line((x, ground - 155, x, ground - 60), fill="#333333", width=3)
            draw.rectangle((x - 20, ground - 60, x + 20, ground - 50), fill="#2e86c1")
        draw.polygon([(450, ground - 150), (480, ground - 150), (640, ground), (600, ground)], fill="#f39c12")
        draw.rectangle((440, ground - 150, 455, ground), fill="#7f8c8d")
        draw.rectangle((100, ground + 10, 700, ground + 60), fill="#e59866")  # the soft floor
    elif kind == "velos":
        draw.rectangle((120, ground - 170, 680, ground - 150), fill="#566573")
        for post in (130, 660):
            draw.rectangle((post, ground - 150, post + 12, ground), fill="#566573")
        for x in (190, 330, 470, 610):
            for wheel in (x - 35, x + 35):
                draw.ellipse((wheel - 30, ground - 60, wheel + 30, ground), outline="#1b4f72", width=5)
            draw.line((x - 35, ground - 30, x, ground - 60, x + 35, ground - 30), fill="#1b4f72", width=5)
    else:  # "livres": a book box on a post
        draw.rectangle((385, ground - 120, 415, ground), fill=WOOD)
        draw.rectangle((300, ground - 260, 500, ground - 120), fill="#af601a", outline="#6e2c00", width=5)
        draw.polygon([(290, ground - 260), (400, ground - 320), (510, ground - 260)], fill="#6e2c00")
        for i, colour in enumerate(("#c0392b", "#2874a6", "#239b56", "#d4ac0d", "#7d3c98")):
            draw.rectangle((320 + i * 34, ground - 230, 346 + i * 34, ground - 140), fill=colour)
    return image


#: What each drawing shows, read to people who do not see it.
ALT = {
    "bancs": "Dessin : trois bancs en bois le long d'une allée, entre des arbres.",
    "compost": "Dessin : deux bacs à compost en bois à côté d'un arbre.",
    "verger": "Dessin : quatre arbres fruitiers chargés de fruits rouges.",
    "jeux": "Dessin : une balançoire et un toboggan sur un sol souple.",
    "velos": "Dessin : un abri couvert où sont garés quatre vélos.",
    "livres": "Dessin : une boîte à livres en bois sur un poteau, remplie de livres.",
}


@functools.cache  # drawn once per process: the syndicat's communes (`beffroi demo --communes N`) share them
def demo_picture(kind: str) -> ProcessedPhoto:
    """The drawing ``kind`` (a key of ``ALT``) as an uploaded photo would be stored (JPEG and thumbnail)."""
    out = io.BytesIO()
    _drawing(kind).save(out, "PNG")
    return process_photo(out.getvalue())
