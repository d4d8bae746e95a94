"""ISO 20022 messages: camt.053/054 statements in, pain.001 payment initiation out, pain.002 status in.

Spec: shared/standards/danish-payments.md §4. Untrusted XML is read only through ``xml.safe_parser``.
"""
