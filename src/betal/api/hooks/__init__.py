"""Provider callbacks (``/hooks/<provider>``): one module per provider, each with a ``router``.

These endpoints are called by payment providers, not by integrators: they verify the provider's
signature, deduplicate by the provider's event id and settle through ``services.checkout``.
"""
