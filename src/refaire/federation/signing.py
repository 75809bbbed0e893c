"""HTTP Message Signatures (RFC 9421) on outbox pages, with the maintained package
`http-message-signatures`: Ed25519 over ("@method" "@target-uri" "content-digest"), the
Content-Digest (RFC 9530, sha-256) binding the body. The signature covers the request's
method and URI so a page cannot be replayed as the answer to another cursor."""

from __future__ import annotations

from dataclasses import dataclass, field

import http_message_signatures as hms
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

COVERED = ("@method", "@target-uri", "content-digest")


@dataclass
class Message:
    """The view of an exchange the package signs: the request line and the answer's headers."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class _Keys(hms.HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, private: Ed25519PrivateKey | None = None,
                 public: Ed25519PublicKey | None = None) -> None:  # fmt: skip
        self.key_id, self.private, self.public = key_id, private, public

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        # only the pinned key of the expected key id: another keyid is another signer
        return self.public if key_id == self.key_id else None

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self.private is not None
        return self.private


class BadSignature(ValueError):
    """The page is not signed by the pinned key, or its body was changed."""


def sign(method: str, url: str, body: bytes, key: Ed25519PrivateKey, key_id: str) -> dict[str, str]:
    """Content-Digest, Signature-Input and Signature headers for an answer to `method url`."""
    msg = Message(method, url)
    signer = hms.HTTPMessageSigner(
        signature_algorithm=hms.algorithms.ED25519, key_resolver=_Keys(key_id, private=key)
    )
    signer.sign(msg, key_id=key_id, covered_component_ids=COVERED, body=body)
    return msg.headers


def verify(method: str, url: str, headers: dict[str, str], body: bytes,
           key: Ed25519PublicKey, key_id: str) -> None:  # fmt: skip
    """Raise BadSignature unless `headers` sign this exchange and body with `key`."""
    wanted = {k.lower(): v for k, v in headers.items()}
    picked = {
        name: wanted[name.lower()]
        for name in ("Content-Digest", "Signature-Input", "Signature")
        if name.lower() in wanted
    }
    if "Signature" not in picked or "Signature-Input" not in picked:
        raise BadSignature("the page is not signed (no Signature header)")
    verifier = hms.HTTPMessageVerifier(
        signature_algorithm=hms.algorithms.ED25519, key_resolver=_Keys(key_id, public=key)
    )
    try:
        verifier.verify(Message(method, url, picked), body=body, require_components=COVERED)
    except Exception as exc:  # the package raises several kinds; all mean "not trusted"
        raise BadSignature(f"signature refused: {exc}") from None
