"""Event photos: accepted only when Pillow can decode them as a photo format (the file name and
the browser's content type are not trusted), limited in bytes and pixels, and re-encoded as JPEG
so that EXIF (GPS position, phone model, time) and any other embedded data are dropped."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from fanzha.outreach.models import EventPhoto, OutreachEvent
from fanzha.stations.models import User

MAX_BYTES = 8 * 1024 * 1024
# A 60-megapixel limit refuses decompression bombs (a small file that unpacks to gigabytes).
MAX_PIXELS = 60_000_000
# Stored photos are at most this many pixels on the long side: enough to see the event.
MAX_SIDE = 2560
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"})
JPEG_QUALITY = 85


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``args[0]`` is the reason in Chinese."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int


def clean_photo(raw: bytes) -> CleanPhoto:
    """Decode, check and re-encode one photo; raises :class:`PhotoRejected`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) > MAX_BYTES:
        raise PhotoRejected(f"照片不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    if not raw:
        raise PhotoRejected("文件是空的")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected(f"不支持的图片格式：{probe.format}")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRejected("照片像素过大")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                # Turn the picture upright before the orientation tag is dropped with the EXIF.
                upright = ImageOps.exif_transpose(image) or image
                rgb = upright.convert("RGB")
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("文件不是可识别的图片（只接受 JPEG、PNG、WebP 等照片）") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoRejected(f"图片已损坏，无法读取（{type(exc).__name__}）") from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image carries no info dict, so nothing but pixels is written.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), clean.width, clean.height)


def read_upload(upload: UploadedFile) -> bytes:
    """At most MAX_BYTES + 1 bytes, so an oversized upload is refused without reading it all."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise PhotoRejected(f"照片不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    upload.seek(0)
    return upload.read(MAX_BYTES + 1)


def store_photo(event: OutreachEvent, raw: bytes | CleanPhoto, user: User | None) -> EventPhoto:
    photo = raw if isinstance(raw, CleanPhoto) else clean_photo(raw)
    record = EventPhoto(
        event=event,
        content_type="image/jpeg",
        width=photo.width,
        height=photo.height,
        size=len(photo.data),
        uploaded_by=user,
    )
    record.image.save(f"{secrets.token_hex(16)}.jpg", ContentFile(photo.data), save=False)
    record.save()
    return record
