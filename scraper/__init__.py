"""Watch the six Seller Central places where Amazon warns before it blocks."""

__version__ = "0.1.0"
