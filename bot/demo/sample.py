"""The sample photo the page sends: drawn once with Pillow (no file in the repository)."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw


@cache
def sample_photo() -> bytes:
    """A 960×720 PNG: an office building by a lake under a pale sky."""
    width, height = 960, 720
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # sky to water
        if y < 470:
            f = y / 470
            draw.line([(0, y), (width, y)], fill=(int(150 + 80 * f), int(196 + 40 * f), 240))
        else:
            f = (y - 470) / 250
            draw.line([(0, y), (width, y)], fill=(int(70 - 30 * f), int(130 - 40 * f),
                                                   int(160 - 40 * f)))
    draw.polygon([(0, 470), (180, 330), (330, 420), (520, 300), (760, 440), (960, 360),
                  (960, 470)], fill=(96, 140, 110))  # hills
    draw.rectangle([330, 250, 630, 470], fill=(236, 232, 222))  # building
    draw.rectangle([330, 232, 630, 252], fill=(160, 40, 40))
    for row in range(4):
        for col in range(6):
            x, y = 350 + col * 47, 270 + row * 48
            draw.rectangle([x, y, x + 30, y + 30], fill=(92, 130, 170))
    draw.rectangle([455, 420, 505, 470], fill=(110, 80, 60))  # door
    draw.ellipse([760, 70, 850, 160], fill=(255, 236, 170))  # sun
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
