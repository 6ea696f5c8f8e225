"""``closeknit demo``: a fictional life written out as real export files and imported."""
