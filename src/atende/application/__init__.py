"""Use cases and the ports they need: what atende does, independent of how it is reached."""
