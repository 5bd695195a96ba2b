"""The web-form channel: configurable, embeddable forms that open tickets.

`GET/POST /forms/<slug>` (see `routes`), forms defined as data (`definition`), managed with
`helpdesk form ...` and `/api/v1/forms`. README.md in this package has a definition example,
the iframe snippet for embedding and the JSON API for front ends.
"""
