"""Photos made safe and small: one source image in, its published variants out.

A phone photo carries its owner's GPS position, camera serial and timestamps, is
6 MB and is often stored sideways with an EXIF "rotate me" flag. Here it is turned
upright (EXIF orientation applied), stripped of every metadata field but those the
site keeps, resized to the configured widths (never up), and written as JPEG (PNG
where it has transparency or was a PNG) plus WebP and AVIF where Pillow has them.
Animated GIFs keep their animation (frames re-saved without metadata); SVG is
published only after a check that it holds nothing that could run.

Everything that goes wrong with a file is a `MediaProblem` with words for the
editor; the caller puts the entry's `PATH:LINE:` in front.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from sitegen.config.media_config import MediaConfig
from sitegen.model.pictures import SOCIAL_WIDTH, Picture, Variant

VERSION = "2"  # of the processing: a change here must never reuse old variants (2: AVIF on one thread)
SVG_SHAPING = hashlib.sha256(f"{VERSION}/svg".encode()).hexdigest()[:16]  # (an SVG is cleaned, not made by Pillow)
SVG_DEFAULT_SIZE = (300, 150)  # what browsers give an SVG that names no size

# File extension -> the formats Pillow may find in such a file (phones write MPO "JPEGs").
EXTENSIONS = {
    "jpg": ("JPEG", "MPO"), "jpeg": ("JPEG", "MPO"), "png": ("PNG",), "gif": ("GIF",),
    "webp": ("WEBP",), "avif": ("AVIF",), "tif": ("TIFF",), "tiff": ("TIFF",),
}
# File extension -> MIME type of what sitegen publishes (a Pillow format's name, lower-cased,
# is its extension too); feeds type a remote image by it.
IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
               "webp": "image/webp", "avif": "image/avif", "svg": "image/svg+xml"}
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
_EXIF_TAGS = {"artist": 0x013B, "copyright": 0x8298, "description": 0x010E, "make": 0x010F,
              "model": 0x0110, "software": 0x0131}


def settings_shaping(settings: ImageSettings) -> str:
    """What shapes a picture Pillow makes, in its key and its files' names: this
    processing's version and the settings (other settings, other variants)."""
    return hashlib.sha256(f"{VERSION}/{settings.fingerprint}".encode()).hexdigest()[:16]


def content_name(digest: str, shaped_by: str) -> str:
    """The content hash a picture's variants are named by: its source's bytes and what shaped them."""
    return hashlib.sha256(f"{digest}/{shaped_by}".encode()).hexdigest()


class MediaProblem(Exception):
    """A source image that cannot be published, in words the editor can act on."""


@dataclass(frozen=True)
class ImageSettings:
    """What shapes the published files (part of every cache key and file name)."""

    widths: tuple[int, ...]
    quality: int
    formats: tuple[str, ...]  # of "AVIF", "WEBP": those this Pillow can write
    keep: tuple[int, ...]  # EXIF tags kept
    max_pixels: int

    @classmethod
    def from_config(cls, config: MediaConfig) -> "ImageSettings":
        from PIL import features
        formats = tuple(f.upper() for f in config.formats if features.check(f))
        return cls(config.widths, config.quality, formats, tuple(_EXIF_TAGS[k] for k in config.keep_metadata),
                   config.max_pixels)

    @property
    def fingerprint(self) -> str:
        import PIL
        return f"pillow/{PIL.__version__}/{self!r}"


def extension(path: str) -> str:
    return path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""


def is_publishable(path: str) -> bool:
    """Whether sitegen processes this file (an image it knows, or SVG)."""
    return extension(path) in EXTENSIONS or extension(path) == "svg"


def process(source: Path, rel: str, digest: str, settings: ImageSettings, folder: Path) -> Picture:
    """Publish `source` (`rel` under static/, content hash `digest`) into `folder` through
    Pillow (an SVG goes to `process_svg`, which needs none of its settings)."""
    stem = _stem(rel) + "-" + digest[:12]
    if extension(rel) not in EXTENSIONS:
        raise MediaProblem(f"cannot publish .{extension(rel) or '(no extension)'} images; "
                           "export the photo as JPEG or PNG")
    from PIL import Image
    try:
        with Image.open(source) as im:
            _check_kind(im, rel, settings)
            if getattr(im, "n_frames", 1) > 1 and im.format in ("GIF", "WEBP", "PNG"):
                return _animation(im, rel, stem, folder)
            return _photo(im, rel, stem, settings, folder)
    except MediaProblem:
        raise
    except Image.DecompressionBombError:
        raise MediaProblem(f"image {rel!r} has too many pixels to process safely; "
                           "resize it below 60 megapixels") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, struct.error, TypeError) as exc:
        # (what Pillow's readers raise for a damaged file: struct.error for a GIF cut short,
        # TypeError for a TIFF page without its size)
        raise MediaProblem(f"image {rel!r} cannot be read ({_reason(exc)}); it may be damaged or "
                           "incompletely copied: export or copy it again") from None


def process_svg(source: Path, rel: str, digest: str, folder: Path) -> Picture:
    """Publish an SVG (`_svg`): cleaned, never through Pillow, so no setting of Pillow's shapes it."""
    return _svg(source, rel, _stem(rel) + "-" + digest[:12], folder)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _stem(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40] or "image"


def _check_kind(im: "Image.Image", rel: str, settings: ImageSettings) -> None:  # noqa: F821
    expected = EXTENSIONS[extension(rel)]
    if im.format not in expected:
        found = im.format or "unknown"
        raise MediaProblem(f"image {rel!r} is a {found} file, not what its .{extension(rel)} extension "
                           f"says; export it again or rename it")
    width, height = im.size
    if width * height > settings.max_pixels:
        raise MediaProblem(f"image {rel!r} is {width}x{height} pixels, over the limit of "
                           f"{settings.max_pixels:,} (media.max_pixels); resize it first")


def _photo(im: "Image.Image", rel: str, stem: str, settings: ImageSettings, folder: Path) -> Picture:  # noqa: F821
    from PIL import ImageOps
    exif = im.getexif()
    kept = _kept_exif(exif, settings.keep)
    widest = max(*settings.widths, SOCIAL_WIDTH)  # (the social card too: never made from fewer pixels)
    if im.format in ("JPEG", "MPO"):  # decode at a reduced scale: 4x faster for phone photos
        turned = exif.get(0x0112, 1) in (5, 6, 7, 8)
        scale = widest / (im.size[1] if turned else im.size[0])
        if scale < 1:
            im.draft("RGB", (int(im.size[0] * scale) + 1, int(im.size[1] * scale) + 1))
    upright = ImageOps.exif_transpose(im)  # (loads the pixels: a truncated file fails here)
    upright.load()
    upright = _srgb(upright)
    alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if upright.mode != ("RGBA" if alpha else "RGB"):  # (a photo is RGB already: no copy)
        upright = upright.convert("RGBA" if alpha else "RGB")
    upright.info = {}  # nothing of the source's metadata travels on (EXIF, XMP, ICC, comments)
    base = "PNG" if alpha or im.format == "PNG" else "JPEG"
    width, height = upright.size
    wanted = sorted({min(w, width) for w in settings.widths} | {min(SOCIAL_WIDTH, width)}, reverse=True)
    made: dict[str, list[Variant]] = {}
    current = upright
    for target in wanted:  # widest first: each size is made from the one before, cheaper
        size = (target, max(1, round(height * target / width)))
        if current.size != size:
            current = current.resize(size, _lanczos(), reducing_gap=3.0)
        for fmt in (base, *settings.formats):
            ext = fmt.lower().replace("jpeg", "jpg")
            variant = Variant(f"{stem}-{target}.{ext}", *size, IMAGE_TYPES[ext])
            _write(folder / variant.name, _encode(current, fmt, settings.quality, kept))
            made.setdefault(fmt, []).insert(0, variant)
    modern = tuple((IMAGE_TYPES[fmt.lower()], tuple(made[fmt])) for fmt in settings.formats)
    return Picture(rel, "photo", tuple(made[base]), modern)


def _lanczos() -> int:
    from PIL import Image
    return Image.Resampling.LANCZOS


def _kept_exif(exif: "Image.Exif", keep: tuple[int, ...]) -> bytes:  # noqa: F821
    """The EXIF block of the fields the site keeps (never orientation: applied already)."""
    if not keep:
        return b""
    from PIL import Image
    kept = Image.Exif()
    for tag in keep:
        if tag in exif:
            kept[tag] = exif[tag]
    return kept.tobytes() if len(kept) else b""


def _srgb(im: "Image.Image") -> "Image.Image":  # noqa: F821
    """Colours converted to sRGB where the photo has another profile (a phone's Display P3),
    so that dropping the profile, which is metadata too, keeps the colours right."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA"):
        return im
    try:
        from PIL import ImageCms
        converted = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                              ImageCms.createProfile("sRGB"), outputMode=im.mode)
        return converted if converted is not None else im
    except Exception:  # noqa: BLE001 - a broken or unusual profile: keep the pixels as they are
        return im


@dataclass(frozen=True)
class Encoder:
    """The encoders' settings for one `media.quality` (benchmarks give Hugo the same)."""

    jpeg_quality: int
    webp_quality: int
    webp_method: int  # 0 (fastest) .. 6 (smallest)
    avif_quality: int  # AVIF looks as good as JPEG/WebP at a lower quality figure
    avif_speed: int  # 0 (slowest, smallest) .. 10

    @classmethod
    def for_quality(cls, quality: int) -> "Encoder":
        return cls(quality, quality, 4, max(1, quality - 20), 8)


def _encode(im: "Image.Image", fmt: str, quality: int, exif: bytes) -> bytes:  # noqa: F821
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif} if exif else {}
    encoder = Encoder.for_quality(quality)
    if fmt == "JPEG":
        im.save(out, "JPEG", quality=encoder.jpeg_quality, optimize=True, progressive=True, **options)
    elif fmt == "PNG":
        im.save(out, "PNG", optimize=True, **options)
    elif fmt == "WEBP":
        im.save(out, "WEBP", quality=encoder.webp_quality, method=encoder.webp_method, **options)
    else:
        # one thread: libaom's output depends on its thread count (the default is the
        # machine's cores), and the photos are spread over every core by processes anyway
        im.save(out, "AVIF", quality=encoder.avif_quality, speed=encoder.avif_speed, max_threads=1, **options)
    return out.getvalue()


def _animation(im: "Image.Image", rel: str, stem: str, folder: Path) -> Picture:  # noqa: F821
    """An animated image re-saved frame by frame in its own format, without metadata."""
    from PIL import ImageSequence
    frames = []
    durations = []
    for frame in ImageSequence.Iterator(im):
        durations.append(frame.info.get("duration", 100))
        copy = frame.copy()
        copy.info = {}
        frames.append(copy)
    out = io.BytesIO()
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:], "duration": durations,
                                  "loop": im.info.get("loop", 0)}
    frames[0].save(out, im.format, **options)
    variant = Variant(f"{stem}.{im.format.lower()}", *im.size, IMAGE_TYPES[im.format.lower()])
    _write(folder / variant.name, out.getvalue())
    return Picture(rel, "animation", (variant,), ())


_SVG_NS = "{http://www.w3.org/2000/svg}"
_ACTIVE = {"script", "foreignobject", "handler", "iframe", "embed", "object", "listener"}
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*")


def _svg(source: Path, rel: str, stem: str, folder: Path) -> Picture:
    """A vector image, published only as an <img> (never inline), and only when nothing in
    it could run if a reader opened the file itself: no script, event handler, foreign
    content or javascript: link. Comments and metadata elements are removed."""
    import xml.etree.ElementTree as ET
    data = source.read_bytes()
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise MediaProblem(f"SVG {rel!r} has a DOCTYPE or entity declarations; export it again without them")
    try:
        root = ET.fromstring(data)  # (comments and processing instructions are dropped)
    except ET.ParseError as exc:
        raise MediaProblem(f"SVG {rel!r} is not well-formed XML ({_reason(exc)})") from None
    if root.tag not in (_SVG_NS + "svg", "svg"):
        raise MediaProblem(f"{rel!r} is not an SVG image, not what its .svg extension says")
    for node in root.iter():
        local = node.tag.rsplit("}", 1)[-1].lower()
        if local in _ACTIVE:
            raise MediaProblem(f"SVG {rel!r} contains <{local}>, which could run code; "
                               "remove it or publish the image as PNG")
        for name, value in node.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            if attr.startswith("on") or (attr == "href" and "script:" in "".join(value.lower().split())):
                raise MediaProblem(f"SVG {rel!r} has a {attr}= attribute that could run code; "
                                   "remove it or publish the image as PNG")
        for child in [c for c in node if c.tag in (_SVG_NS + "metadata", "metadata")]:
            node.remove(child)
    width, height = _svg_size(root.attrib)
    variant = Variant(f"{stem}.svg", width, height, IMAGE_TYPES["svg"])
    ET.register_namespace("", _SVG_NS[1:-1])
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    _write(folder / variant.name, ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return Picture(rel, "svg", (variant,), ())


def _svg_size(attrib: dict[str, str]) -> tuple[int, int]:
    """The size the SVG names (width/height in px, else its viewBox), else browsers' default."""
    sizes = [_LENGTH.fullmatch(attrib.get(k, "")) for k in ("width", "height")]
    if all(sizes):
        width, height = (round(float(m[1])) for m in sizes if m)
        if width > 0 and height > 0:
            return width, height
    box = attrib.get("viewBox", "").replace(",", " ").split()
    try:
        width, height = round(float(box[2])), round(float(box[3]))
        if width > 0 and height > 0:
            return width, height
    except (IndexError, ValueError):
        pass
    return SVG_DEFAULT_SIZE


def _write(path: Path, data: bytes) -> None:
    """Written whole or not at all: a crash never leaves half a file for the next build."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
