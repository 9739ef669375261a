"""End-to-end: scenarios played against atende as a whole."""
