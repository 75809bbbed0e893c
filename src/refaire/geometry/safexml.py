"""XML of uploaded files (SVG, 3MF parts) parsed without entity or DTD tricks.

defusedxml wraps the standard parser and refuses entity declarations (billion laughs,
quadratic blow-up) and external references (file and network reads). It decodes by the
BOM and the XML declaration *before* it sees any declaration, which is why no byte-level
search is done: a UTF-16 file slipped past the search for "<!ENTITY" that this replaces.
A public DOCTYPE without an internal subset, as old editors write, is harmless and kept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from refaire.said import Said

from .errors import MeshError


def parse_xml(data: bytes, what: str, max_elements: int | None = None) -> ET.Element:
    """The document's root; MeshError naming `what` for entities, external references,
    XML that is not well-formed, or (with `max_elements`) more tags than that.

    The tags are counted as "<" bytes before parsing (an upper bound, in UTF-8 and
    UTF-16 alike): a tree costs a few hundred bytes an element once built.
    """
    if max_elements is not None and data.count(b"<") > max_elements:
        raise MeshError(Said("geom.err.xml_elements", what=what, max=max_elements))
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MeshError(Said("geom.err.xml_unsafe", what=what, error=type(exc).__name__)) from None
    except ET.ParseError as exc:
        raise MeshError(Said("geom.err.xml_malformed", what=what, error=str(exc))) from None
    except (LookupError, UnicodeError) as exc:  # found by fuzzing: encoding="TF-8"
        raise MeshError(Said("geom.err.xml_decode", what=what, error=str(exc))) from None
