"""``make bench`` (``python -m bench``): every benchmark, each against a baseline in the same run."""

from __future__ import annotations

from bench import reconciliation, webhooks


def main() -> None:
    webhooks.main([])
    reconciliation.main([])


if __name__ == "__main__":
    main()
