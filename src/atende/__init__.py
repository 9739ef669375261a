"""atende: customer service on WhatsApp, with agents who work from their own WhatsApp."""

__version__ = "0.1.0"
