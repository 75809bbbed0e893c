"""Production: a member asks for something to be made, local makers quote, an order follows.

- `access`: the errors every production service raises, who is a party, money parsing.
- `requests`: production requests (a registry design, quantity, materials, place, budget).
- `routing`: which facilities and makers can make a request within its radius (the
  matching engine; stated capabilities first, then probable ones, each with its basis).
- `quotes`: answers of facility managers and makers, pre-filled from the instant-quote engine.
- `orders`: the order state machine (`TRANSITIONS`: state → allowed moves → which party).
- `reviews`: one review per party per received order; counts and means per facility/maker.
- `messages`: an order's message thread with attachments, and the in-app inbox + mail.
- `offers`: made-to-order offers (the storefront) and ordering one.
- `valueflows`: requests, offers, orders and deliveries in the Valueflows vocabulary (JSON-LD).
- `figures`: what the observatory counts of production ("offers" practice).

No payment is processed anywhere: prices are what the parties agree between themselves.
"""
