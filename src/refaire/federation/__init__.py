"""Federation between Refaire instances (issue 16).

- `keys`: this instance's Ed25519 key pair, made on first use and kept in the database.
- `outbox`: the change feed of local public designs and facilities, as ActivityStreams pages.
- `signing`: RFC 9421 HTTP Message Signatures (package `http-message-signatures`).
- `peers`: the instances followed, their public key pinned at first contact.
- `pull`: a peer's feed pulled from its cursor, verified page by page, stored with origins.
"""
