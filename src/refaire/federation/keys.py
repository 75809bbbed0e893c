"""This instance's Ed25519 key pair: generated on first use, stored in `instance_keys`."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert, select

from refaire.store import Store
from refaire.store.locking import writing
from refaire.store.tables import instance_keys


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def instance_key(store: Store) -> Ed25519PrivateKey:
    """The private key; made and stored the first time it is asked for (the first stored
    one wins, so two processes starting together agree)."""
    with store.engine.connect() as conn:
        pem = conn.execute(
            select(instance_keys.c.private_pem).order_by(instance_keys.c.id).limit(1)
        ).scalar()
    if pem is None:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        with writing(store.engine) as conn:
            if conn.execute(select(instance_keys.c.id).limit(1)).first() is None:
                conn.execute(
                    insert(instance_keys).values(
                        private_pem=private,
                        public_pem=_public_pem(key),
                        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    )
                )
        return instance_key(store)
    loaded = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


def public_pem(store: Store) -> str:
    return _public_pem(instance_key(store))


def load_public(pem: str) -> Ed25519PublicKey:
    """A peer's public key from its PEM; ValueError when it is not an Ed25519 key."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key
