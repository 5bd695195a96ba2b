"""The web-form channel: configurable, embeddable forms that open tickets."""
