"""betal — payments platform for Danish businesses and their accountants."""

__version__ = "0.1.0"
