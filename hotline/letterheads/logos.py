"""Logo images: what a letterhead may carry, checked from the bytes themselves.

A logo goes into every reply as an inline image, so it must be small, a format every mail client
shows (PNG or JPEG, never SVG) and nothing but pixels: uploads are decoded and encoded afresh.
"""

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image

from hotline.errors import InvalidInput

MAX_LOGO_BYTES = 200 * 1024
MAX_LOGO_SIZE = (600, 200)
MAX_DISPLAY_WIDTH = 300
LOGO_FILES = ("logo.png", "logo.jpg")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
# JPEG start-of-frame markers (which carry the size); C4, C8 and CC are other segments.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class InvalidLogo(InvalidInput):
    slug = "invalid-logo"
    title = "The logo was refused"


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def filename(self) -> str:
        return "logo.png" if self.content_type == "image/png" else "logo.jpg"

    @property
    def display_size(self) -> tuple[int, int]:
        """Wide logos are drawn at half size: sharp on high-density screens, at most 300 px."""
        scale = 2 if self.width > MAX_DISPLAY_WIDTH else 1
        return self.width // scale, self.height // scale


def _image_size(data: bytes) -> tuple[str, int, int]:
    """(content type, width, height) from the bytes themselves, never from the file name."""
    if data.startswith(_PNG_MAGIC) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(_JPEG_MAGIC):
        position = 2
        while position + 9 <= len(data) and data[position] == 0xFF:
            marker = data[position + 1]
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            if marker in _JPEG_SOF:
                height, width = struct.unpack(">HH", data[position + 5 : position + 9])
                return "image/jpeg", width, height
            position += 2 + length
        raise InvalidLogo("The JPEG file has no readable image size.")
    raise InvalidLogo(
        "The logo must be a PNG or JPEG image (SVG and other formats are not accepted: "
        "mail clients block or mangle them, and SVG can carry scripts)."
    )


def validate_logo(data: bytes) -> Logo:
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidLogo(f"The logo is {len(data)} bytes; at most {MAX_LOGO_BYTES} are allowed.")
    content_type, width, height = _image_size(data)
    max_width, max_height = MAX_LOGO_SIZE
    if not (0 < width <= max_width and 0 < height <= max_height):
        raise InvalidLogo(
            f"The logo is {width}x{height} px; at most {max_width}x{max_height} px are allowed."
        )
    return Logo(data=data, content_type=content_type, width=width, height=height)


def _decoded(logo: Logo) -> Image.Image:
    """The whole image decoded, so a truncated or corrupt file is refused, not stored."""
    expected = "PNG" if logo.content_type == "image/png" else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(logo.data), formats=[expected])
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise InvalidLogo(
            f"The logo cannot be read as a complete {expected} image; save it again as PNG "
            "or JPEG and upload that file."
        ) from exc
    if image.size != (logo.width, logo.height):
        raise InvalidLogo("The logo's header and its image data disagree about its size.")
    return image


def check_logo_file(data: bytes) -> Logo:
    """A logo file of a theme folder: within the limits and decodable as a whole."""
    logo = validate_logo(data)
    _decoded(logo)
    return logo


def clean_logo(data: bytes) -> Logo:
    """An uploaded logo, decoded and encoded afresh: only pixels survive, no metadata (EXIF,
    GPS, text chunks) and nothing appended after the image (HTML, archives)."""
    logo = validate_logo(data)
    image = _decoded(logo)
    out = io.BytesIO()
    if logo.content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    return validate_logo(out.getvalue())
