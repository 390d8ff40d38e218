"""An X window dump (``xwd``) as a PNG, with Pillow: ZPixmap TrueColor dumps (what Xvfb's
24-bit screens give), so no ImageMagick is needed. usage: xwd_to_png.py IN.xwd OUT.png"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PIL import Image

HEADER = struct.Struct(">25I")  # the 25 CARD32 fields of XWDFileHeader


def convert(data: bytes) -> Image.Image:
    (header_size, _version, pixmap_format, _depth, width, height, _xoffset, byte_order, _unit, _bit_order, _pad,
     bits_per_pixel, bytes_per_line, visual_class, red_mask, green_mask, blue_mask, _bits_rgb, _entries, ncolors,
     *_window) = HEADER.unpack_from(data)
    if pixmap_format != 2 or visual_class not in (4, 5) or bits_per_pixel not in (24, 32):
        raise SystemExit(f"xwd_to_png: only 24/32-bit TrueColor ZPixmap dumps (format {pixmap_format}, class {visual_class}, {bits_per_pixel} bpp)")
    start = header_size + 12 * ncolors  # XWDColor entries are 12 bytes
    raw = data[start:start + bytes_per_line * height]
    if (red_mask, green_mask, blue_mask) != (0xFF0000, 0x00FF00, 0x0000FF):
        raise SystemExit(f"xwd_to_png: unexpected colour masks {red_mask:x}/{green_mask:x}/{blue_mask:x}")
    mode = ("BGRX" if byte_order == 0 else "XRGB") if bits_per_pixel == 32 else ("BGR" if byte_order == 0 else "RGB")
    return Image.frombuffer("RGB", (width, height), raw, "raw", mode, bytes_per_line, 1)


if __name__ == "__main__":
    source, target = sys.argv[1:3]
    convert(Path(source).read_bytes()).save(target, optimize=True)
    print(target)
