"""Reading a PDF's objects in tests: WeasyPrint compresses them into object streams."""

import re
import zlib


def pdf_objects_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate-compressed stream appended decompressed (object streams
    hold the catalogue, the structure tree and the metadata)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def assert_tagged_pdf(pdf: bytes, *, title: str, language: str = "fr") -> None:
    """A PDF that screen readers can read: tagged (structure tree, MarkInfo), with its language and
    a title shown instead of the file name."""
    text = pdf_objects_text(pdf)
    assert b"/StructTreeRoot" in text
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", text)
    assert f"/Lang ({language})".encode() in text
    assert re.search(rb"/DisplayDocTitle\s+true", text)
    utf16 = ("\ufeff" + title).encode("utf-16-be")
    assert title.encode() in text or utf16 in text or utf16.hex().encode() in text.lower(), "title missing"
