"""Reading a PDF's objects with pikepdf (qpdf): every dictionary of the file, and a stream's data within a budget.

Both the anonymity check (identity.py) and the copies we serve (sanitise.py) go through every object of the file,
not a fixed list of paths from the catalog: identity hides in objects a list would miss (a figure's own XMP, pdfTeX's
record of where a figure came from, an annotation's author), and whatever the walk finds the same code removes.
"""

import zlib
from collections.abc import Iterator

import pikepdf

_DICTIONARY = pikepdf.ObjectType.dictionary
_STREAM = pikepdf.ObjectType.stream
_ARRAY = pikepdf.ObjectType.array
_CONTAINERS = (_DICTIONARY, _ARRAY)
# Flate inflates at most about 1032 times; LZW, the other filter that grows, at most 4096 (one code gives at most
# 4096 bytes). A stream under another filter is only decoded when even that growth stays within the budget.
_WORST_GROWTH = 4096


# pikepdf gives numbers, booleans and null as Python values, everything else as a pikepdf.Object.
def is_dictionary(obj) -> bool:
    """Whether obj is a dictionary or a stream (whose dictionary it then stands for)."""
    return isinstance(obj, pikepdf.Object) and obj._type_code in (_DICTIONARY, _STREAM)


def is_stream(obj) -> bool:
    return isinstance(obj, pikepdf.Object) and obj._type_code == _STREAM


def is_array(obj) -> bool:
    return isinstance(obj, pikepdf.Object) and obj._type_code == _ARRAY


def dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every dictionary and stream of the file, each once: the trailer, every indirect object (reachable or not),
    and the dictionaries nested directly inside them, at any depth. The caller may remove keys from a dictionary
    when it is yielded: its values are read after that, so what was removed is not visited through it."""
    for top in (pdf.trailer, *pdf.objects):
        stack = [top]
        while stack:
            item = stack.pop()
            kind = item._type_code if isinstance(item, pikepdf.Object) else None  # a free object comes as None
            if kind in (_DICTIONARY, _STREAM):
                yield item
                children = list(item.values())
            elif kind == _ARRAY:
                children = list(item)
            else:
                continue
            # Indirect objects are visited once, as the top of their own walk: a shared font is not walked per page,
            # and a loop of references ends.
            stack.extend(
                child
                for child in children
                if isinstance(child, pikepdf.Object) and child._type_code in _CONTAINERS and not child.is_indirect
            )


def strings(obj, *, depth: int = 4) -> list[str]:
    """The text strings in obj: itself, or in the arrays and dictionaries it holds, following references at most
    `depth` levels (a field's value may be an array of strings; pdfTeX's /PTEX.InfoDict is a dictionary)."""
    found: list[str] = []
    stack = [(obj, depth)]
    while stack:
        item, left = stack.pop()
        if not isinstance(item, pikepdf.Object):
            continue  # numbers, booleans and null come as Python values
        kind = item._type_code
        if kind == pikepdf.ObjectType.string:
            found.append(str(item))
        elif left and kind in (_DICTIONARY, _ARRAY):
            values = item.values() if kind == _DICTIONARY else item
            stack.extend((value, left - 1) for value in values)
    return found


def stream_bytes(stream: pikepdf.Object, limit: int) -> bytes:
    """The decoded data of a stream, at most its first `limit` bytes: a decompression bomb is not inflated past
    them. b"" when the stream cannot be decoded within that. qpdf decodes a whole stream at once, so Flate (the
    filter almost every producer uses) is inflated here, stopping at the limit."""
    try:
        raw = stream.read_raw_bytes()
        filters = stream.get("/Filter")
        filters = [] if filters is None else [filters] if not is_array(filters) else list(filters)
        if not filters:
            return raw[:limit]
        if filters == [pikepdf.Name.FlateDecode] and stream.get("/DecodeParms") is None:
            return zlib.decompressobj().decompress(raw, limit)
        if len(raw) * _WORST_GROWTH <= limit:
            return stream.read_bytes()[:limit]
    except (pikepdf.PdfError, zlib.error, ValueError):
        pass
    return b""


def text_of(data: bytes) -> str:
    """Bytes of a stream as text for a search: UTF-16 when marked so, else UTF-8 with anything else replaced."""
    if data[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")
