"""Real, minimal image files: PNG from the specification, JPEG through Pillow, and broken ones."""

import io
import struct
import zlib

from PIL import Image


def png(width: int, height: int, rgb: tuple[int, int, int] = (0, 58, 112)) -> bytes:
    """A valid truecolour PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, a JFIF APP0 segment and the SOF0 frame header."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
        + b"\xff\xc0" + struct.pack(">H", len(sof0) + 2) + sof0
        + b"\xff\xd9"
    )  # fmt: skip


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
    b"<script>alert(1)</script><text x='0' y='20'>Kommune</text></svg>"
)


def jpeg(width: int, height: int, *, exif: bytes | None = None) -> bytes:
    """A complete baseline JPEG of one colour, optionally with an EXIF block."""
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (20, 54, 93))
    image.save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    """(format, size, RGB pixels) of an image: what survives re-encoding."""
    with Image.open(io.BytesIO(data)) as image:
        return image.format or "", image.size, image.convert("RGB").tobytes()
