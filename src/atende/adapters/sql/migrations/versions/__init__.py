"""Schema revisions, oldest first; each file is one step `atende db upgrade` can apply."""
