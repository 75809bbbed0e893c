"""Sources the instance crawls again and again, politely and safely.

- `guard`: which addresses an outgoing request may reach (never private, loopback or
  link-local ones unless the configuration allows them), checked on every redirect too;
- `fetch`: one polite HTTP client (conditional GET, robots.txt, a delay per host, timeouts,
  size and redirect limits, retries with exponential back-off);
- `sources`: the service: add, list, show, remove and crawl sources; each crawl leaves a
  history entry, and a document gone several crawls in a row withdraws its records.
"""
