"""The HTTP contract the JSON API and the web pages share, so that they fail the same way.

- `bounds` (limits the CLI shares) and `params`: the bounded integers of paging (`limit`, `offset`, `page`): a huge or junk
  value is a 422 naming the parameter, never a database overflow.
- `nul`: NUL characters refused in paths and query strings (400) before any route runs;
  PostgreSQL cannot store or compare them, SQLite silently can.
- `errors`: the one error body `{detail, errors: [{field, message}]}` of every API 4xx,
  its OpenAPI declaration, the handlers that produce it (HTML pages for the web), and the
  complete `Allow` header of a 405.
"""
